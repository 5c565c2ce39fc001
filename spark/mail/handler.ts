import { currentPartialsRevision, insertOutboxRows, type NewOutboxRow } from "@/db/queries/outbox";
import { listActiveTemplates } from "@/db/queries/templates";
import type { Deps } from "../deps";
import type { Handler, HandlerContext } from "../events/handlers";
import { compileGroupPattern, groupPatternSource } from "./group-pattern";

/**
 * The built-in mail handler for one job pass, over the templates active at the pass's start. In the
 * events' transaction it writes one outbox row per (event, matching template) naming the template's
 * version and the partials' revision: an event is never recorded without its mail queued, and the
 * rendering — the expensive part — happens when the mail is sent, outside any transaction, with
 * exactly those versions.
 */
export async function createMailHandler(deps: Pick<Deps, "db">): Promise<Handler | null> {
  const templates = await listActiveTemplates(deps.db);
  if (templates.length === 0) return null;
  const partialsRevision = await currentPartialsRevision(deps.db);
  const matchers = templates.map((t) => compileGroupPattern(t.groupPattern));
  const byGroup = new Map<string, number[]>();
  const matching = (group: string) => {
    let found = byGroup.get(group);
    if (!found) byGroup.set(group, (found = templates.flatMap((_, i) => (matchers[i]!(group) ? [i] : []))));
    return found;
  };

  const handleBatch = async (events: { id: number; group: string }[], { tx, clock }: HandlerContext) => {
    const rows: NewOutboxRow[] = [];
    for (const event of events)
      for (const i of matching(event.group))
        rows.push({ eventId: event.id, templateId: templates[i]!.id, templateVersion: templates[i]!.version });
    // Ten thousand rows per statement keeps each array parameter well under a megabyte.
    for (let i = 0; i < rows.length; i += 10_000)
      await insertOutboxRows(tx, { rows: rows.slice(i, i + 10_000), partialsRevision, at: clock() });
  };
  return {
    name: "mail",
    // Only the groups some template answers: an event no template wants costs the mail handler nothing.
    group: new RegExp(templates.map((t) => groupPatternSource(t.groupPattern)).join("|")),
    handle: (event, ctx) => handleBatch([event], ctx),
    handleBatch,
  };
}
