import { insertDeliveries, type QueuedDelivery } from "@/db/queries/deliveries";
import { listActiveTemplates, templateFieldsOf } from "@/db/queries/templates";
import type { DeliveryHeaders, MailTemplate } from "@/db/schema";
import { bareAddress } from "@/emails/addresses";
import type { PartialSnapshot } from "@/emails/liquid";
import type { Handler, HandlerContext, PendingEvent } from "../events/handlers";
import { compileGroupPattern, groupPatternSource } from "./group-pattern";
import { loadPartialSnapshot } from "./partials";
import type { Deps } from "../deps";
import type { RenderOutcome, RenderPool } from "./render-pool";
import type { MailSettings } from "./settings";

const NO_HEADERS: DeliveryHeaders = { from: "", to: [], cc: [], replyTo: [] };

/** A delivery before its event has an id: what rendering outside the transaction produces. */
export type RenderedDelivery = Omit<QueuedDelivery, "eventId">;

/**
 * The deliveries one render makes: a queued one per envelope recipient (To, Cc and Bcc, each once),
 * or a single dead one carrying the reason. Either way the event is recorded and the outcome is visible.
 */
export function deliveriesOf(
  outcome: RenderOutcome,
  { template, group, at }: { template: MailTemplate; group: string; at: Date },
): RenderedDelivery[] {
  const base = {
    templateId: template.id,
    templateVersion: template.version,
    group,
    at,
    subject: "",
    html: "",
    text: "",
    lastError: null,
  };
  if (!outcome.ok)
    return [
      {
        ...base,
        recipient: "",
        status: "dead",
        headers: NO_HEADERS,
        lastError: `Template “${template.name}”, ${outcome.message}`,
      },
    ];
  const mail = outcome.mail;
  const headers: DeliveryHeaders = { from: mail.from, to: mail.to, cc: mail.cc, replyTo: mail.replyTo };
  const recipients = [...new Set([...mail.to, ...mail.cc, ...mail.bcc].map(bareAddress))];
  return recipients.map((recipient) => ({
    ...base,
    recipient,
    status: "queued" as const,
    headers,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
  }));
}

/** Renders templates on contexts in the render pool, one message for all of them. */
export async function renderTemplates(
  pool: RenderPool,
  {
    templates,
    partials,
    contexts,
    items,
    settings,
  }: {
    templates: MailTemplate[];
    partials: PartialSnapshot;
    contexts: Record<string, unknown>[];
    items: { template: number; context: number }[];
    settings: Pick<MailSettings, "defaultFrom">;
  },
): Promise<RenderOutcome[]> {
  return pool.render({
    partials,
    templates: templates.map((t) => ({
      cacheKey: `${t.id}:${t.version}`,
      source: templateFieldsOf(t),
      layout: t.layout,
    })),
    contexts,
    items,
    defaultFrom: settings.defaultFrom,
  });
}

/**
 * The built-in mail handler for one job pass. The active templates and the stored partials are read
 * once, at the pass's start. A batch's new events are rendered in the render pool before its
 * transaction opens (no transaction waits on Liquid); the transaction then writes the rendered
 * deliveries with the events, so an event is never recorded without its mail queued.
 */
export async function createMailHandler(deps: Deps): Promise<Handler | null> {
  const templates = await listActiveTemplates(deps.db);
  if (templates.length === 0) return null;
  const partials = await loadPartialSnapshot(deps);
  const settings = deps.settings.mail;
  const pool = deps.renderer;
  const matchers = templates.map((t) => compileGroupPattern(t.groupPattern));
  const byGroup = new Map<string, number[]>();
  const matching = (group: string) => {
    let found = byGroup.get(group);
    if (!found) byGroup.set(group, (found = templates.flatMap((_, i) => (matchers[i]!(group) ? [i] : []))));
    return found;
  };
  // Rendered deliveries by event key, for the batch being recorded (a retry of one event reads them again).
  let rendered = new Map<string, RenderedDelivery[]>();

  const prepareBatch = async (events: PendingEvent[], { clock }: Pick<HandlerContext, "clock">) => {
    const at = clock();
    const items: { template: number; context: number }[] = [];
    events.forEach((event, context) => {
      for (const template of matching(event.group)) items.push({ template, context });
    });
    const outcomes = await renderTemplates(pool, {
      templates,
      partials,
      contexts: events.map((e) => e.context),
      items,
      settings,
    });
    rendered = new Map();
    items.forEach((item, i) => {
      const event = events[item.context]!;
      const rows = rendered.get(event.key) ?? [];
      rows.push(...deliveriesOf(outcomes[i]!, { template: templates[item.template]!, group: event.group, at }));
      rendered.set(event.key, rows);
    });
  };

  const handleBatch = async (events: { id: number; key: string; group: string }[], { tx, clock }: HandlerContext) => {
    const rows: QueuedDelivery[] = [];
    for (const event of events) {
      const ready = rendered.get(event.key);
      if (ready) for (const row of ready) rows.push({ ...row, eventId: event.id });
      else {
        // Only an event another pass had not recorded when this batch was rendered can get here.
        const at = clock();
        for (const i of matching(event.group)) {
          const template = templates[i]!;
          rows.push({
            eventId: event.id,
            templateId: template.id,
            templateVersion: template.version,
            group: event.group,
            at,
            recipient: "",
            status: "dead",
            headers: NO_HEADERS,
            subject: "",
            html: "",
            text: "",
            lastError: `Template “${template.name}”: it was not rendered before the event was recorded; Retry now renders it.`,
          });
        }
      }
    }
    // A few thousand rows per statement keeps each JSON parameter a few megabytes at most.
    for (let i = 0; i < rows.length; i += 2000) await insertDeliveries(tx, rows.slice(i, i + 2000));
  };
  return {
    name: "mail",
    // Only the groups some template answers: an event no template wants costs the mail handler nothing.
    group: new RegExp(templates.map((t) => groupPatternSource(t.groupPattern)).join("|")),
    handle: (event, ctx) => handleBatch([event], ctx),
    prepareBatch,
    handleBatch,
  };
}
