import type { Db } from "@/db/client";
import { listUsers } from "@/db/queries/users";
import type { Params } from "./list-params";

/** One saved version as the history page lists it: who saved it by email, and its fields. */
export type HistoryVersion = {
  version: number;
  note: string;
  by: string;
  createdAt: Date;
  fields: Record<string, unknown>;
};

export type VersionHistoryView = { versions: HistoryVersion[]; selected: HistoryVersion | undefined };

/**
 * Names who saved each version (Spark itself when nobody did) and picks the one to compare with the
 * current: the `v` the URL asks for, else the newest before the current, else the only one there is.
 */
export async function describeVersions(
  db: Db,
  rows: { version: number; note: string; createdBy: string | null; createdAt: Date; fields: object }[],
  { currentVersion, params }: { currentVersion: number; params: Params },
): Promise<VersionHistoryView> {
  const users = rows.some((r) => r.createdBy) ? await listUsers(db) : [];
  const emails = new Map(users.map((u) => [u.id, u.email]));
  const versions = rows.map((v) => ({
    version: v.version,
    note: v.note,
    by: v.createdBy ? (emails.get(v.createdBy) ?? "a deleted operator") : "Spark",
    createdAt: v.createdAt,
    fields: v.fields as Record<string, unknown>,
  }));
  const asked = Number(typeof params.v === "string" ? params.v : NaN);
  const selected =
    versions.find((v) => v.version === asked) ?? versions.find((v) => v.version < currentVersion) ?? versions[0];
  return { versions, selected };
}
