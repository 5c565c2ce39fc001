import type { Db } from "@/db/client";
import { insertDeliveries, type QueuedDelivery } from "@/db/queries/deliveries";
import { listActiveTemplates } from "@/db/queries/templates";
import type { DeliveryHeaders, MailTemplate } from "@/db/schema";
import { bareAddress } from "@/emails/addresses";
import { compileMail, type CompiledMail, type MailTemplateSource } from "@/emails/render";
import type { Handler, HandlerContext, RecordedEvent } from "../handlers";
import { compileGroupPattern, groupPatternSource } from "./group-pattern";
import type { MailSettings } from "./settings";

export const sourceOf = (t: Pick<MailTemplate, "subject" | "html" | "text" | "fromAddress" | "toAddress" | "cc" | "bcc" | "replyTo">): MailTemplateSource => ({
  subject: t.subject,
  html: t.html,
  text: t.text,
  from: t.fromAddress,
  to: t.toAddress,
  cc: t.cc,
  bcc: t.bcc,
  replyTo: t.replyTo,
});

type Prepared = { template: MailTemplate; matches: (group: string) => boolean; compiled: CompiledMail | null; compileError: string | null };

const NO_HEADERS: DeliveryHeaders = { from: "", to: [], cc: [], replyTo: [] };

/**
 * The deliveries one template makes for one event: a queued one per envelope recipient (To, Cc and
 * Bcc, each once), or a single dead one carrying the reason when it cannot render. Either way the
 * event is recorded and the outcome is visible.
 */
export async function deliveriesFor(
  event: RecordedEvent,
  { template, compiled, compileError }: Pick<Prepared, "template" | "compiled" | "compileError">,
  settings: Pick<MailSettings, "defaultFrom">,
  at: Date,
): Promise<QueuedDelivery[]> {
  const base = { eventId: event.id, templateId: template.id, templateVersion: template.version, group: event.group, at, subject: "", html: "", text: "", lastError: null };
  const dead = (reason: string): QueuedDelivery[] => [{ ...base, recipient: "", status: "dead", headers: NO_HEADERS, lastError: reason }];
  if (!compiled) return dead(`Template “${template.name}”, ${compileError}`);
  try {
    const mail = await compiled.render(event.context, { defaultFrom: settings.defaultFrom });
    const headers: DeliveryHeaders = { from: mail.from, to: mail.to, cc: mail.cc, replyTo: mail.replyTo };
    const recipients = [...new Set([...mail.to, ...mail.cc, ...mail.bcc].map(bareAddress))];
    return recipients.map((recipient) => ({ ...base, recipient, status: "queued" as const, headers, subject: mail.subject, html: mail.html, text: mail.text }));
  } catch (error) {
    return dead(`Template “${template.name}”, ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The built-in mail handler for one job pass: the active templates are read and compiled once, at the
 * pass's start, and every new event of a matching group gets its deliveries in its own transaction.
 */
export async function createMailHandler({ db, settings }: { db: Db; settings: Pick<MailSettings, "defaultFrom"> }): Promise<Handler | null> {
  const templates = await listActiveTemplates(db);
  if (templates.length === 0) return null;
  const prepared: Prepared[] = templates.map((template) => {
    try {
      return { template, matches: compileGroupPattern(template.groupPattern), compiled: compileMail(sourceOf(template)), compileError: null };
    } catch (error) {
      return { template, matches: compileGroupPattern(template.groupPattern), compiled: null, compileError: error instanceof Error ? error.message : String(error) };
    }
  });
  const byGroup = new Map<string, Prepared[]>();
  const deliveriesOf = async (event: RecordedEvent, at: Date) => {
    let matching = byGroup.get(event.group);
    if (!matching) byGroup.set(event.group, (matching = prepared.filter((p) => p.matches(event.group))));
    const rows: QueuedDelivery[] = [];
    for (const p of matching) rows.push(...(await deliveriesFor(event, p, settings, at)));
    return rows;
  };
  const handleBatch = async (events: RecordedEvent[], { tx, clock }: HandlerContext) => {
    const at = clock();
    const rows: QueuedDelivery[] = [];
    for (const event of events) rows.push(...(await deliveriesOf(event, at)));
    // A few thousand rows per statement keeps each JSON parameter a few megabytes at most.
    for (let i = 0; i < rows.length; i += 2000) await insertDeliveries(tx, rows.slice(i, i + 2000));
  };
  return {
    name: "mail",
    // Only the groups some template answers: an event no template wants costs the mail handler nothing.
    group: new RegExp(templates.map((t) => groupPatternSource(t.groupPattern)).join("|")),
    handle: (event, ctx) => handleBatch([event], ctx),
    handleBatch,
  };
}
