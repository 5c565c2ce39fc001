import { z } from "zod";
import type { Deps } from "../deps";
import {
  deletePartialById,
  findPartialById,
  findPartialVersion,
  insertPartial,
  insertPartialVersion,
  listPartials,
  partialFieldsOf,
  updatePartialById,
} from "@/db/queries/partials";
import { listTemplates } from "@/db/queries/templates";
import type { StoredPartial } from "@/db/schema";
import {
  checkReferences,
  createEngines,
  MAX_TEMPLATE_BYTES,
  NO_PARTIALS,
  PARTIAL_NAME,
  parseLiquid,
  partialReferences,
  usedVariables,
  type PartialSnapshot,
  TemplateError,
} from "@/emails/liquid";
import { templateFieldsOf } from "@/db/queries/templates";
import { templateFields } from "@/emails/render";
import { changedFields, staleEdit, type StaleEdit } from "../stale-edits";

export const partialInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give it a name, like footer.")
    .max(100, "Use at most 100 characters.")
    .regex(
      PARTIAL_NAME,
      "Use lowercase letters, digits, _ - and . (starting with a letter or digit); no slashes or spaces.",
    ),
  kind: z.enum(["partial", "layout"], { error: "Choose partial or layout." }),
  body: z.string().max(MAX_TEMPLATE_BYTES, "The body is over 256 KiB; shorten it."),
});
export type PartialInput = z.infer<typeof partialInput>;

/** Every stored partial and layout, read once for a pass, a preview or a save. */
export async function loadPartialSnapshot(deps: Pick<Deps, "db">): Promise<PartialSnapshot> {
  return snapshotOf(await listPartials(deps.db));
}

const snapshotOf = (rows: Pick<StoredPartial, "name" | "kind" | "body">[]): PartialSnapshot =>
  new Map(rows.map((p) => [p.name, { kind: p.kind, body: p.body }]));

const parser = createEngines(NO_PARTIALS).html;
/** The names a piece of Liquid includes, renders or lays out in, ignoring what does not parse. */
function namesUsedBy(source: string): string[] {
  try {
    return partialReferences(parseLiquid(parser, source)).flatMap((r) => (r.name === null ? [] : [r.name]));
  } catch {
    return [];
  }
}

/** The templates and partials that use `name`: what keeps it from being deleted, renamed or changed in kind. */
export async function partialUsers(
  deps: Pick<Deps, "db">,
  name: string,
): Promise<{ templates: string[]; partials: string[] }> {
  const [templates, partials] = await Promise.all([listTemplates(deps.db), listPartials(deps.db)]);
  return {
    templates: templates
      .filter(
        (t) =>
          t.layout === name || templateFields.some((field) => namesUsedBy(templateFieldsOf(t)[field]).includes(name)),
      )
      .map((t) => t.name),
    partials: partials.filter((p) => p.name !== name && namesUsedBy(p.body).includes(name)).map((p) => p.name),
  };
}

const usedByText = ({ templates, partials }: { templates: string[]; partials: string[] }) =>
  [
    templates.length > 0 ? `templates ${templates.join(", ")}` : "",
    partials.length > 0 ? `partials ${partials.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" and ");

/** The cycle through `start`, as names ("a → b → a"), or null: a partial may not include itself, even through others. */
export function findCycle(snapshot: PartialSnapshot, start: string): string[] | null {
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (name: string): string[] | null => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return null;
    const stored = snapshot.get(name);
    if (!stored) return null;
    path.push(name);
    for (const next of namesUsedBy(stored.body)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return null;
  };
  return visit(start);
}

/** What a save would store wrong, by field: syntax, names that are not stored, cycles, a layout without content. */
async function checkPartial(snapshot: PartialSnapshot, input: PartialInput): Promise<Record<string, string>> {
  try {
    const templates = parseLiquid(createEngines(snapshot).html, input.body);
    const refused = checkReferences(partialReferences(templates), snapshot);
    if (refused) return { body: refused.message };
    const cycle = findCycle(snapshot, input.name);
    if (cycle) return { body: `It would include itself: ${cycle.join(" → ")}; remove one of those includes.` };
    if (input.kind === "layout" && !(await usedVariables(templates)).some((v) => v.path[0] === "content"))
      return { body: "A layout places the mail's HTML body with {{ content }}; add it where the body goes." };
    return {};
  } catch (error) {
    return { body: error instanceof TemplateError ? error.message : String(error) };
  }
}

export type SavePartialResult =
  | { status: "ok"; partial: StoredPartial }
  | { status: "invalid"; fieldErrors: Record<string, string[]> }
  | { status: "gone" }
  | StaleEdit;

/**
 * Saves a partial or layout only when it parses and everything it pulls in is stored; each save is a
 * version. With `version` (the one the form was loaded at), a save over a newer version is refused.
 */
export async function savePartial(
  deps: Deps,
  {
    id,
    version,
    input,
    by,
    note = "",
  }: { id?: string; version?: number; input: PartialInput; by: string | null; note?: string },
): Promise<SavePartialResult> {
  const invalid = (field: string, message: string): SavePartialResult => ({
    status: "invalid",
    fieldErrors: { [field]: [message] },
  });
  const rows = await listPartials(deps.db);
  const previous = id ? rows.find((p) => p.id === id) : undefined;
  if (id && !previous) return { status: "gone" };
  if (rows.some((p) => p.id !== id && p.name.toLowerCase() === input.name.toLowerCase()))
    return invalid("name", "Another partial or layout has this name.");
  if (previous && (previous.name !== input.name || previous.kind !== input.kind)) {
    const users = await partialUsers(deps, previous.name);
    if (users.templates.length + users.partials.length > 0)
      return invalid(
        previous.name !== input.name ? "name" : "kind",
        `It is used by ${usedByText(users)}; change them first.`,
      );
  }
  const snapshot = snapshotOf([...rows.filter((p) => p.id !== id), input]);
  const errors = await checkPartial(snapshot, input);
  if (Object.keys(errors).length > 0)
    return { status: "invalid", fieldErrors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, [v]])) };
  const at = deps.clock();
  type Outcome = { partial: StoredPartial } | { current: StoredPartial | null } | null;
  const saved = await deps.db.transaction(async (tx): Promise<Outcome> => {
    const partial = id
      ? await updatePartialById(tx, { id, version, fields: input, by, at })
      : await insertPartial(tx, { fields: input, by, at });
    if (!partial) return id ? { current: await findPartialById(tx, { id }) } : null;
    await insertPartialVersion(tx, {
      partialId: partial.id,
      version: partial.version,
      fields: partialFieldsOf(partial),
      note: note || (id ? "edited" : "created"),
      createdBy: by,
      createdAt: at,
    });
    return { partial };
  });
  if (saved && "partial" in saved) return { status: "ok", partial: saved.partial };
  // The update matched no row: it is gone, or no longer at the version the form loaded.
  if (saved && "current" in saved && saved.current && version !== undefined) {
    const base = await findPartialVersion(deps.db, { partialId: saved.current.id, version });
    return staleEdit(
      deps,
      saved.current,
      changedFields(base?.fields ?? null, partialFieldsOf(saved.current), { name: "name", kind: "kind", body: "body" }),
    );
  }
  return id ? { status: "gone" } : invalid("name", "Another partial or layout has this name.");
}

export async function restorePartialVersion(
  deps: Deps,
  { id, version, by }: { id: string; version: number; by: string | null },
): Promise<SavePartialResult> {
  const old = await findPartialVersion(deps.db, { partialId: id, version });
  if (!old) return { status: "gone" };
  return savePartial(deps, { id, input: old.fields, by, note: `restored version ${version}` });
}

/** Deletes a partial or layout nothing uses; otherwise says who uses it. */
export async function deletePartial(
  deps: Deps,
  { id }: { id: string },
): Promise<{ ok: true; name: string } | { ok: false; message: string }> {
  const partial = await loadPartial(deps, id);
  if (!partial) return { ok: false, message: "It was already deleted." };
  const users = await partialUsers(deps, partial.name);
  if (users.templates.length + users.partials.length > 0)
    return { ok: false, message: `“${partial.name}” is used by ${usedByText(users)}; change them first.` };
  await deletePartialById(deps.db, { id });
  return { ok: true, name: partial.name };
}

export type PartialPreview = { html: string | null; error: string | null };

const SAMPLE_BODY = "<p>The template's HTML body goes here.</p>";

/** Renders the form as it stands (a partial on its own, a layout around a sample body) with a sample context. */
export async function previewPartial(
  deps: Deps,
  { id, input, context }: { id?: string; input: PartialInput; context: Record<string, unknown> },
): Promise<PartialPreview> {
  const rows = await listPartials(deps.db);
  const name = PARTIAL_NAME.test(input.name) ? input.name : "preview";
  const snapshot = snapshotOf([...rows.filter((p) => p.id !== id && p.name !== name), { ...input, name }]);
  const errors = await checkPartial(snapshot, { ...input, name });
  if (errors.body) return { html: null, error: errors.body };
  const source = {
    subject: "Preview",
    from: "",
    to: "preview@example.com",
    cc: "",
    bcc: "",
    replyTo: "",
    text: "",
    html: input.kind === "layout" ? SAMPLE_BODY : `{% include '${name}' %}`,
  };
  const [result] = await deps.renderer.render({
    partials: snapshot,
    templates: [{ cacheKey: null, source, layout: input.kind === "layout" ? name : "" }],
    contexts: [context],
    items: [{ template: 0, context: 0 }],
    defaultFrom: "preview@example.com",
  });
  if (!result) return { html: null, error: "Nothing rendered." };
  return result.ok ? { html: result.mail.html, error: null } : { html: null, error: result.reason };
}

export async function loadPartial(deps: Pick<Deps, "db">, id: string): Promise<StoredPartial | null> {
  return z.uuid().safeParse(id).success ? findPartialById(deps.db, { id }) : null;
}
