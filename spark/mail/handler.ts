import type { Db } from "@/db/client";
import { insertDeliveries } from "@/db/queries/deliveries";
import { listActiveTemplates } from "@/db/queries/templates";
import type { DeliveryHeaders, MailTemplate, NewDelivery } from "@/db/schema";
import { bareAddress } from "@/emails/addresses";
import { compileMail, type CompiledMail, type MailTemplateSource } from "@/emails/render";
import type { Handler, RecordedEvent } from "../handlers";
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
): Promise<NewDelivery[]> {
  const base = { eventId: event.id, templateId: template.id, templateVersion: template.version, group: event.group, createdAt: at, updatedAt: at, nextAttemptAt: at };
  const dead = (reason: string): NewDelivery[] => [{ ...base, recipient: "", status: "dead", headers: NO_HEADERS, lastError: reason }];
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
  return {
    name: "mail",
    // Only the groups some template answers: an event no template wants is recorded without a savepoint.
    group: new RegExp(templates.map((t) => groupPatternSource(t.groupPattern)).join("|")),
    async handle(event, { tx, clock }) {
      let matching = byGroup.get(event.group);
      if (!matching) byGroup.set(event.group, (matching = prepared.filter((p) => p.matches(event.group))));
      if (matching.length === 0) return;
      const at = clock();
      const rows: NewDelivery[] = [];
      for (const p of matching) rows.push(...(await deliveriesFor(event, p, settings, at)));
      await insertDeliveries(tx, rows);
    },
  };
}
