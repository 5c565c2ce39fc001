import { insertDeliveries, type QueuedDelivery, type SendableDelivery } from "@/db/queries/deliveries";
import { claimOutboxRows, deleteOutboxRows, listPartialsAsOf, type ClaimedOutboxRow } from "@/db/queries/outbox";
import type { PartialSnapshot } from "@/emails/liquid";
import type { Deps } from "../deps";
import { deliveriesOf, renderTemplates, type TemplateToRender } from "./rendering";

export type ExpandTally = {
  claimed: number;
  queued: number;
  dead: number;
  /** Mail that asked for no recipient: recorded as skipped, never sent. */
  skipped: number;
  /** With `send`: the deliveries written already taken by this sender, to send now. */
  toSend: SendableDelivery[];
};

/**
 * Turns queued mail into deliveries: claims outbox rows (SKIP LOCKED and a lease), renders each with
 * the template version and partials it was queued with — in the render pool, outside any transaction —
 * then, in one transaction, removes the rows it still holds and writes their deliveries (one per
 * recipient, or a dead one with the render error's line and column). A crash before that transaction
 * leaves the rows to be taken again when the lease runs out; the delete decides who wrote them. With
 * `send`, the caller sends the new deliveries at once: they are written taken by it, under the same lease.
 */
export async function expandOutbox(
  deps: Deps,
  { limit, send = false }: { limit: number; send?: boolean },
): Promise<ExpandTally> {
  const now = deps.clock();
  const leaseUntil = new Date(now.getTime() + deps.settings.leaseMs);
  const claimed = await claimOutboxRows(deps.db, { now, leaseUntil, limit });
  if (claimed.length === 0) return { claimed: 0, queued: 0, dead: 0, skipped: 0, toSend: [] };
  const rows: { outboxId: number; delivery: QueuedDelivery }[] = [];
  const byRevision = new Map<number, ClaimedOutboxRow[]>();
  for (const row of claimed) {
    // The event was rolled back by a handler after its mail was queued: there is nothing to send.
    if (!row.event) continue;
    if (!row.fields) {
      rows.push({
        outboxId: row.id,
        delivery: {
          eventId: row.eventId,
          templateId: null,
          templateVersion: row.templateVersion,
          group: row.event.group,
          at: now,
          recipient: "",
          status: "dead",
          headers: { from: "", to: [], cc: [], replyTo: [] },
          subject: "",
          html: "",
          text: "",
          lastError: "Its template was deleted before the mail was sent.",
        },
      });
      continue;
    }
    byRevision.set(row.partialsRevision, [...(byRevision.get(row.partialsRevision) ?? []), row]);
  }
  for (const [revision, group] of byRevision) {
    const partials: PartialSnapshot = new Map(
      (await listPartialsAsOf(deps.db, { revision })).map((p) => [p.name, { kind: p.kind, body: p.body }]),
    );
    const templates: TemplateToRender[] = [];
    const index = new Map<string, number>();
    const items = group.map((row, context) => {
      const key = `${row.templateId}:${row.templateVersion}`;
      let template = index.get(key);
      if (template === undefined) {
        index.set(key, (template = templates.length));
        templates.push({
          id: row.templateId,
          version: row.templateVersion,
          fields: { ...row.fields!, layout: row.fields!.layout ?? "" },
        });
      }
      return { template, context };
    });
    const outcomes = await renderTemplates(deps.renderer, {
      templates,
      partials,
      partialsKey: String(revision),
      contexts: group.map((row) => row.event!.context),
      items,
      settings: deps.settings.mail,
    });
    group.forEach((row, i) => {
      const made = deliveriesOf(outcomes[i]!, {
        template: templates[items[i]!.template]!,
        eventId: row.eventId,
        group: row.event!.group,
        at: now,
      });
      for (const delivery of made) rows.push({ outboxId: row.id, delivery });
    });
  }
  return deps.db.transaction(async (tx) => {
    const mine = await deleteOutboxRows(tx, { ids: claimed.map((r) => r.id) });
    const kept = rows.filter((r) => mine.has(r.outboxId)).map((r) => r.delivery);
    const toSend: SendableDelivery[] = [];
    // A few thousand rows per statement keeps each JSON parameter a few megabytes at most.
    for (let i = 0; i < kept.length; i += 2000)
      toSend.push(...(await insertDeliveries(tx, kept.slice(i, i + 2000), send ? { claim: { leaseUntil } } : {})));
    const skipped = kept.filter((r) => r.status === "skipped").length;
    if (skipped > 0) deps.metrics.deliveries.inc({ status: "skipped" }, skipped);
    return {
      claimed: claimed.length,
      queued: kept.filter((r) => r.status === "queued").length,
      dead: kept.filter((r) => r.status === "dead").length,
      skipped,
      toSend,
    };
  });
}
