import { z } from "zod";
import type { Db } from "@/db/client";
import { findEventById, listRecentEventsByGroupPattern } from "@/db/queries/events";
import { findPartialById, listPartials, listPartialVersions, partialFieldsOf } from "@/db/queries/partials";
import type { PartialFieldValues, PartialKind, StoredPartial } from "@/db/schema";
import { flashParam, type Params } from "./list-params";
import { describeVersions, type VersionHistoryView } from "./version-history";

/** The partials and layouts list, and the name of the one the last form action deleted. */
export async function loadPartials(
  db: Db,
  params: Params,
): Promise<{ partials: StoredPartial[]; deleted: string | null }> {
  return { partials: await listPartials(db), deleted: flashParam(params, "deleted") };
}

/** A partial's preview context to start from: the newest event's, as JSON, or an empty object. */
export async function readSampleContext(db: Db): Promise<string> {
  const [latest] = await listRecentEventsByGroupPattern(db, { pattern: "*", limit: 1 });
  const event = latest ? await findEventById(db, { id: latest.id }) : null;
  return JSON.stringify(event?.context ?? {}, null, 2);
}

/** The new partial form: a layout when the URL asks for one, else a partial, with a context to preview on. */
export async function loadNewPartial(db: Db, params: Params): Promise<{ kind: PartialKind; sampleContext: string }> {
  return { kind: params.kind === "layout" ? "layout" : "partial", sampleContext: await readSampleContext(db) };
}

async function findPartial(db: Db, id: string): Promise<StoredPartial | null> {
  return z.uuid().safeParse(id).success ? findPartialById(db, { id }) : null;
}

export type PartialEditorView = {
  partial: StoredPartial;
  sampleContext: string;
  /** What the last form action did (saved, restored), said in a sentence; null after none. */
  notice: string | null;
};

/** A partial or layout to edit; null for an id that is not one or is gone. */
export async function loadPartialEditor(
  db: Db,
  { id, params }: { id: string; params: Params },
): Promise<PartialEditorView | null> {
  const [partial, sampleContext] = await Promise.all([findPartial(db, id), readSampleContext(db)]);
  if (!partial) return null;
  const notice =
    typeof params.saved === "string"
      ? `Saved as version ${partial.version}.`
      : typeof params.restored === "string"
        ? `Restored version ${params.restored}; it is now version ${partial.version}.`
        : null;
  return { partial, sampleContext, notice };
}

export type PartialHistoryView = VersionHistoryView & {
  partial: Pick<StoredPartial, "id" | "name" | "version">;
  current: PartialFieldValues;
};

/** A partial's saved versions, the one the URL picks to compare, and its current fields; null when there is none. */
export async function loadPartialHistory(
  db: Db,
  { id, params }: { id: string; params: Params },
): Promise<PartialHistoryView | null> {
  const partial = await findPartial(db, id);
  if (!partial) return null;
  const rows = await listPartialVersions(db, { partialId: partial.id });
  return {
    partial: { id: partial.id, name: partial.name, version: partial.version },
    current: partialFieldsOf(partial),
    ...(await describeVersions(db, rows, { currentVersion: partial.version, params })),
  };
}
