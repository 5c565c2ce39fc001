import type { QueuedDelivery } from "@/db/queries/deliveries";
import type { DeliveryHeaders } from "@/db/schema";
import { bareAddress } from "@/emails/addresses";
import type { PartialSnapshot } from "@/emails/liquid";
import type { RenderOutcome, RenderPool } from "./render-pool";
import type { MailSettings } from "./settings";
import type { TemplateFields } from "./templates";

const NO_HEADERS: DeliveryHeaders = { from: "", to: [], cc: [], replyTo: [] };

/** A delivery before it is written: what rendering one template on one event produces. */
export type RenderedDelivery = QueuedDelivery;

/** A template version to render: its id and version name the deliveries, its fields are the Liquid. */
export type TemplateToRender = { id: string; version: number; fields: TemplateFields };

/**
 * The deliveries one render makes: a queued one per envelope recipient (To, Cc and Bcc, each once),
 * or a single one carrying the reason: `skipped` when the mail asks for no recipient (django-spark
 * sends nothing then, and it is nobody's fault), `dead` for any other error, so a render error is as
 * visible as a bounce. `template` is null for mail made from the event's `spark_mail` alone.
 */
export function deliveriesOf(
  outcome: RenderOutcome,
  { template, eventId, group, at }: { template: TemplateToRender | null; eventId: number; group: string; at: Date },
): RenderedDelivery[] {
  const base = {
    eventId,
    templateId: template?.id ?? null,
    templateVersion: template?.version ?? null,
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
        status: outcome.skipped ? "skipped" : "dead",
        headers: NO_HEADERS,
        lastError: template
          ? `Template “${template.fields.name}”, ${outcome.message}`
          : `The event's spark_mail (no template answers its group): ${outcome.reason}`,
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

/** Renders template versions on contexts in the render pool: the (template, context) pairs in `items`. */
export async function renderTemplates(
  pool: RenderPool,
  {
    templates,
    partials,
    partialsKey,
    contexts,
    items,
    settings,
  }: {
    templates: TemplateToRender[];
    partials: PartialSnapshot;
    /** Names the partials' state, so a worker compiles a template once per state it meets. */
    partialsKey: string;
    contexts: Record<string, unknown>[];
    items: { template: number; context: number }[];
    settings: Pick<MailSettings, "defaultFrom">;
  },
): Promise<RenderOutcome[]> {
  return pool.render({
    partials,
    templates: templates.map((t) => ({
      cacheKey: `${t.id}:${t.version}:${partialsKey}`,
      source: t.fields,
      layout: t.fields.layout,
    })),
    contexts,
    items,
    defaultFrom: settings.defaultFrom,
  });
}
