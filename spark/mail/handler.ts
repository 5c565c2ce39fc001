import { insertDeliveries } from "@/db/queries/deliveries";
import { currentPartialsRevision, insertOutboxRows, type NewOutboxRow } from "@/db/queries/outbox";
import { listActiveTemplates } from "@/db/queries/templates";
import { renderSparkMail } from "@/emails/render";
import { outcomeOf, type RenderOutcome } from "@/emails/render-job";
import type { Deps } from "../deps";
import type { Handler, HandlerContext, RecordedEvent } from "../events/handlers";
import { compileGroupPattern } from "./group-pattern";
import { deliveriesOf, type RenderedDelivery } from "./rendering";

/**
 * The built-in mail handler for one job pass (or one ingest transaction), over the templates active at
 * its start. In the events' transaction it writes one outbox row per (event, matching template) naming
 * the template's version and the partials' revision: an event is never recorded without its mail
 * queued, and the rendering — the expensive part — happens when the mail is sent, outside any
 * transaction, with exactly those versions. An event no template answers that carries django-spark's
 * `spark_mail` gets that mail, queued as deliveries in the same transaction: it is plain data, so there
 * is nothing to render later. Any other event asks for no mail and costs nothing.
 */
export async function createMailHandler(
  deps: Pick<Deps, "db"> & { settings: Pick<Deps["settings"], "mail">; metrics?: Deps["metrics"] },
): Promise<Handler> {
  // One after the other: inside a PGlite transaction, two queries at once can deadlock against a
  // query from outside it waiting for the same connection.
  const templates = await listActiveTemplates(deps.db);
  const partialsRevision = templates.length > 0 ? await currentPartialsRevision(deps.db) : 0;
  const matchers = templates.map((t) => compileGroupPattern(t.groupPattern));
  const byGroup = new Map<string, number[]>();
  const matching = (group: string) => {
    let found = byGroup.get(group);
    if (!found) byGroup.set(group, (found = templates.flatMap((_, i) => (matchers[i]!(group) ? [i] : []))));
    return found;
  };

  const handleBatch = async (events: RecordedEvent[], { tx, clock }: HandlerContext) => {
    const rows: NewOutboxRow[] = [];
    const direct: RenderedDelivery[] = [];
    const at = clock();
    for (const event of events) {
      const answering = matching(event.group);
      for (const i of answering)
        rows.push({ eventId: event.id, templateId: templates[i]!.id, templateVersion: templates[i]!.version });
      if (answering.length === 0 && event.context.spark_mail !== undefined && event.context.spark_mail !== null)
        direct.push(
          ...deliveriesOf(await sparkMailOutcome(event.context, deps.settings.mail.defaultFrom), {
            template: null,
            eventId: event.id,
            group: event.group,
            at,
          }),
        );
    }
    // Ten thousand rows per statement keeps each array parameter well under a megabyte.
    for (let i = 0; i < rows.length; i += 10_000)
      await insertOutboxRows(tx, { rows: rows.slice(i, i + 10_000), partialsRevision, at });
    // spark_mail bodies are at most 256 KiB each: a hundred rows per statement stays a few megabytes.
    for (let i = 0; i < direct.length; i += 100) await insertDeliveries(tx, direct.slice(i, i + 100));
    const skipped = direct.filter((d) => d.status === "skipped").length;
    if (skipped > 0) deps.metrics?.deliveries.inc({ status: "skipped" }, skipped);
  };
  return {
    name: "mail",
    // Every group: an event no template answers may still carry its own spark_mail.
    group: /(?:)/,
    handle: (event, ctx) => handleBatch([event], ctx),
    handleBatch,
  };
}

async function sparkMailOutcome(context: Record<string, unknown>, defaultFrom: string): Promise<RenderOutcome> {
  try {
    return { ok: true, mail: await renderSparkMail(context, { defaultFrom }) };
  } catch (error) {
    return outcomeOf(error);
  }
}
