import { z } from "zod";
import type { Deps } from "../deps";
import { insertDelivery } from "@/db/queries/deliveries";
import { findEventById, listRecentEventsByGroupPattern } from "@/db/queries/events";
import {
  deleteTemplateById,
  findTemplateById,
  findTemplateIdByName,
  findTemplateVersion,
  insertTemplate,
  insertTemplateVersion,
  templateFieldsOf,
  updateTemplateActiveById,
  updateTemplateById,
} from "@/db/queries/templates";
import type { MailTemplate } from "@/db/schema";
import { bareAddress, parseAddressList } from "@/emails/addresses";
import type { PartialSnapshot } from "@/emails/liquid";
import { checkTemplateSyntax, templateVariables, type RenderedMail } from "@/emails/render";
import { splitDjangoSparkMail } from "@/emails/spark-mails-split";
import { djangoMailFields, translateDjangoTemplate } from "./django-template";
import { GROUP_PATTERN_INPUT, groupPatternSource } from "./group-pattern";
import { countPastEventsWithoutMail, currentPartialsRevision, queuePastEventsMail } from "@/db/queries/outbox";
import { deliverNow } from "./outbox";
import { loadPartialSnapshot } from "./partials";
import type { RenderOutcome } from "./render-pool";
import { unknownVariables, variablesOfGroups } from "./template-variables";
import { changedFields, staleEdit, type StaleEdit } from "../stale-edits";
import { claimActionReceipt, recordActionAnswer } from "@/db/queries/action-receipts";

const MAX_FIELD = 300_000;
const address = (label: string) => z.string().max(2_000, `${label}: use at most 2,000 characters.`);

export const templateInput = z.object({
  name: z.string().trim().min(1, "Give the template a name.").max(100, "Use at most 100 characters."),
  group: z
    .string()
    .trim()
    .min(1, "Enter the event group it answers, like challenge_created or challenge_*.")
    .max(100, "Use at most 100 characters.")
    .regex(GROUP_PATTERN_INPUT, "Use letters, digits, _ . : - and * as a wildcard; no spaces."),
  active: z.boolean(),
  layout: z.string().trim().max(100, "Choose a layout from the list.").default(""),
  from: address("From"),
  to: address("To"),
  cc: address("Cc"),
  bcc: address("Bcc"),
  replyTo: address("Reply-To"),
  subject: z.string().max(2_000, "Keep the subject under 2,000 characters."),
  html: z.string().max(MAX_FIELD, "The HTML body is over 256 KiB; shorten it."),
  text: z.string().max(MAX_FIELD, "The text body is over 256 KiB; shorten it."),
});
/** A template as an operator edits it: the one shape the form, the engine and each stored version share. */
export type TemplateFields = z.infer<typeof templateInput>;

export type { RenderedMail };

export type SaveTemplateResult =
  | { status: "ok"; template: MailTemplate }
  | { status: "invalid"; fieldErrors: Record<string, string[]> }
  | { status: "gone" }
  | StaleEdit;

/** How the refusal of a stale save names a template's fields, in the form's order. */
const FIELD_LABELS: Record<keyof TemplateFields, string> = {
  name: "name",
  group: "event group",
  from: "from",
  to: "to",
  cc: "cc",
  bcc: "bcc",
  replyTo: "reply-to",
  subject: "subject",
  layout: "layout",
  html: "HTML body",
  text: "text body",
  active: "active",
};

/** The refusal of a save loaded at `loaded`: who changed the template since, when, and which fields. */
async function staleTemplate(deps: Deps, current: MailTemplate, loaded: number): Promise<StaleEdit> {
  const base = await findTemplateVersion(deps.db, { templateId: current.id, version: loaded });
  const before = base ? { ...base.fields, layout: base.fields.layout ?? "" } : null;
  return staleEdit(deps, current, changedFields(before, templateFieldsOf(current), FIELD_LABELS));
}

/** Renders one template's fields on one context in the render pool. */
async function renderOnce(
  deps: Pick<Deps, "renderer" | "settings">,
  fields: TemplateFields,
  context: Record<string, unknown>,
  partials: PartialSnapshot,
): Promise<RenderOutcome> {
  const [outcome] = await deps.renderer.render({
    partials,
    templates: [{ cacheKey: null, source: fields, layout: fields.layout }],
    contexts: [context],
    items: [{ template: 0, context: 0 }],
    defaultFrom: deps.settings.mail.defaultFrom,
  });
  return outcome!;
}

/** Why the template does not render on the newest event of its group, or null (also when there is none yet). */
async function draftReasonOf(deps: Deps, fields: TemplateFields, partials: PartialSnapshot): Promise<string | null> {
  const [latest] = await listRecentEventsByGroupPattern(deps.db, { pattern: fields.group, limit: 1 });
  const event = latest ? await findEventById(deps.db, { id: latest.id }) : null;
  if (!event) return null;
  const outcome = await renderOnce(deps, fields, event.context, partials);
  return outcome.ok ? null : `It does not render on the event ${event.key}: ${outcome.message}`;
}

/**
 * Saves a template only when every Liquid field parses, pulls in only stored partials and reads only
 * variables its group's events have; each problem comes back under its field with line and column.
 * One that does not render on the newest event of its group is kept as an inactive draft, with the
 * reason. Each save is a new version, written in the same transaction as the template. With `version`
 * (the one the form was loaded at) a save over someone else's newer version is refused as stale.
 */
export async function saveTemplate(
  deps: Deps,
  {
    id,
    version,
    input,
    by,
    note = "",
  }: { id?: string; version?: number; input: TemplateFields; by: string | null; note?: string },
): Promise<SaveTemplateResult> {
  const partials = await loadPartialSnapshot(deps);
  const options = { partials, layout: input.layout };
  const syntax: Record<string, string> = checkTemplateSyntax(input, options);
  if (!input.subject.trim()) syntax.subject ??= "Write a subject; it may use variables, like Welcome {{ owner_name }}.";
  if (!input.html.trim() && !input.text.trim()) syntax.html ??= "Write an HTML body, a text body, or both.";
  if (Object.keys(syntax).length > 0)
    return { status: "invalid", fieldErrors: Object.fromEntries(Object.entries(syntax).map(([k, v]) => [k, [v]])) };
  const unknown = unknownVariables(
    (await templateVariables(input, options)) ?? [],
    await variablesOfGroups(deps, input.group),
  );
  // One message per field naming every unknown variable: the editor shows a field's first message.
  if (Object.keys(unknown).length > 0)
    return {
      status: "invalid",
      fieldErrors: Object.fromEntries(
        Object.entries(unknown).map(([field, messages]) => [field, [messages.join("; ")]]),
      ),
    };
  const clash = await findTemplateIdByName(deps.db, { name: input.name });
  if (clash && clash !== id) return { status: "invalid", fieldErrors: { name: ["Another template has this name."] } };
  const draftReason = await draftReasonOf(deps, input, partials);
  const fields = { ...input, active: input.active && draftReason === null };
  const at = deps.clock();
  const saved = await deps.db.transaction(async (tx): Promise<{ template: MailTemplate } | MailTemplate | null> => {
    const template = id
      ? await updateTemplateById(tx, { id, version, fields, draftReason, by, at })
      : await insertTemplate(tx, { fields, draftReason, by, at });
    if (!template) return id ? await findTemplateById(tx, { id }) : null;
    await insertTemplateVersion(tx, {
      templateId: template.id,
      version: template.version,
      fields: templateFieldsOf(template),
      note: note || (id ? "edited" : "created"),
      createdBy: by,
      createdAt: at,
    });
    return { template };
  });
  if (saved && "template" in saved) return { status: "ok", template: saved.template };
  // The update matched no row: the template is gone, or it is no longer at the version the form loaded.
  if (saved && version !== undefined) return staleTemplate(deps, saved, version);
  return id ? { status: "gone" } : { status: "invalid", fieldErrors: { name: ["Another template has this name."] } };
}

/**
 * The list's switch: a template is activated only when it renders on the newest event of its group;
 * otherwise it stays a draft and the answer is the reason. A flip is a version like any save, so an
 * edit form opened before it is refused instead of silently flipping it back.
 */
export async function setTemplateActive(
  deps: Deps,
  { id, active, by = null }: { id: string; active: boolean; by?: string | null },
): Promise<{ ok: true } | { ok: false; message: string }> {
  const template = await loadTemplate(deps, id);
  if (!template) return { ok: false, message: "This template was deleted meanwhile; reload the page." };
  const draftReason = active
    ? await draftReasonOf(deps, templateFieldsOf(template), await loadPartialSnapshot(deps))
    : undefined;
  const at = deps.clock();
  await deps.db.transaction(async (tx) => {
    const row = await updateTemplateActiveById(tx, { id, active: active && !draftReason, draftReason, by, at });
    if (!row) return;
    await insertTemplateVersion(tx, {
      templateId: id,
      version: row.version,
      fields: templateFieldsOf(row),
      note: row.active ? "activated" : draftReason ? "kept as a draft" : "paused",
      createdBy: by,
      createdAt: at,
    });
  });
  return !draftReason
    ? { ok: true }
    : { ok: false, message: `“${template.name}” stays an inactive draft. ${draftReason}` };
}

/** Makes an old version current again, as a new version: history only ever grows. */
export async function restoreTemplateVersion(
  deps: Deps,
  { id, version, by }: { id: string; version: number; by: string | null },
): Promise<SaveTemplateResult> {
  const old = await findTemplateVersion(deps.db, { templateId: id, version });
  if (!old) return { status: "gone" };
  return saveTemplate(deps, {
    id,
    input: { ...old.fields, layout: old.fields.layout ?? "" },
    by,
    note: `restored version ${version}`,
  });
}

export type PreviewContext = { kind: "event"; eventId: number | null } | { kind: "json"; json: string };

export type TemplatePreview = {
  events: { id: number; key: string; group: string; createdAt: string }[];
  eventId: number | null;
  context: Record<string, unknown> | null;
  contextError?: string;
  fieldErrors: Record<string, string>;
  mail: RenderedMail | null;
};

const MAX_CONTEXT_JSON = 64 * 1024;

/** The context a preview renders with: the chosen recent event of a matching group, or JSON typed by the operator. */
async function previewContext(deps: Deps, group: string, choice: PreviewContext) {
  const pattern = GROUP_PATTERN_INPUT.test(group) ? group : null;
  const events = pattern ? await listRecentEventsByGroupPattern(deps.db, { pattern, limit: 20 }) : [];
  const listed = events.map((e) => ({ id: e.id, key: e.key, group: e.group, createdAt: e.createdAt.toISOString() }));
  if (choice.kind === "json") {
    if (choice.json.length > MAX_CONTEXT_JSON)
      return { events: listed, eventId: null, context: null, contextError: "The JSON is over 64 KiB; trim it." };
    try {
      const parsed: unknown = JSON.parse(choice.json);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        return {
          events: listed,
          eventId: null,
          context: null,
          contextError: 'The context must be a JSON object, like { "owner_name": "Ada" }.',
        };
      return { events: listed, eventId: null, context: parsed as Record<string, unknown> };
    } catch (error) {
      return {
        events: listed,
        eventId: null,
        context: null,
        contextError: `The JSON does not parse: ${(error as Error).message}`,
      };
    }
  }
  const eventId =
    choice.eventId !== null && listed.some((e) => e.id === choice.eventId) ? choice.eventId : (listed[0]?.id ?? null);
  if (eventId === null)
    return {
      events: listed,
      eventId: null,
      context: null,
      contextError: pattern ? `No event in ${pattern} yet: edit JSON instead, or run the job first.` : undefined,
    };
  const event = await findEventById(deps.db, { id: eventId });
  return { events: listed, eventId, context: event?.context ?? null };
}

/** Renders the form's fields as they are, unsaved, on a real or typed context; each problem under its field. */
export async function previewTemplate(
  deps: Deps,
  { fields, context: choice }: { fields: TemplateFields; context: PreviewContext },
): Promise<TemplatePreview> {
  const ctx = await previewContext(deps, fields.group.trim(), choice);
  const partials = await loadPartialSnapshot(deps);
  const fieldErrors: Record<string, string> = {
    ...checkTemplateSyntax(fields, { partials, layout: fields.layout }),
  };
  if (Object.keys(fieldErrors).length > 0 || !ctx.context) return { ...ctx, fieldErrors, mail: null };
  const outcome = await renderOnce(deps, fields, ctx.context, partials);
  if (outcome.ok) return { ...ctx, fieldErrors, mail: outcome.mail };
  fieldErrors[outcome.field ?? "html"] = outcome.reason;
  return { ...ctx, fieldErrors, mail: null };
}

export type SendTestResult = { ok: true; message: string; deliveryId: number } | { ok: false; message: string };

/**
 * Renders the form as it is and sends it to one address at once, logged as a test delivery (its
 * attempts and SMTP answer kept like any other). The template's own recipients are not mailed.
 */
export async function sendTestMail(
  deps: Deps,
  {
    fields,
    context,
    address: to,
    by,
    templateId,
    token,
  }: {
    fields: TemplateFields;
    context: PreviewContext;
    address: string;
    by: string | null;
    templateId: string | null;
    /**
     * The form's one-time token for this click: a doubled or replayed request with it sends nothing
     * and gets the first answer. Callers without a form (tests, scripts) leave it out.
     */
    token?: string;
  },
): Promise<SendTestResult> {
  const target = parseAddressList(to);
  if (!target.ok || target.addresses.length !== 1)
    return { ok: false, message: "Enter one email address to send the test to." };
  // Checked before the token is taken: a refused address leaves no receipt, and the corrected click may send.
  if (token !== undefined) {
    const claim = await claimActionReceipt(deps.db, { token, action: "test-send", userId: by });
    if (claim !== "claimed") {
      const first = claim.answer as SendTestResult | null;
      return first
        ? { ...first, message: `${first.message} (This click was already answered: nothing was sent again.)` }
        : { ok: false, message: "This test is already being sent; its outcome shows in the delivery log." };
    }
    const result = await sendTestMail(deps, { fields, context, address: to, by, templateId });
    await recordActionAnswer(deps.db, { token, answer: result });
    return result;
  }
  const preview = await previewTemplate(deps, { fields, context });
  if (preview.contextError) return { ok: false, message: preview.contextError };
  if (!preview.mail)
    return {
      ok: false,
      message: `The template does not render: ${Object.entries(preview.fieldErrors)
        .map(([f, m]) => `${f}: ${m}`)
        .join("; ")}`,
    };
  const mail = preview.mail;
  const at = deps.clock();
  const recipient = bareAddress(target.addresses[0]!);
  const delivery = await insertDelivery(deps.db, {
    eventId: preview.eventId,
    templateId,
    group: fields.group,
    recipient,
    status: "queued",
    isTest: true,
    subject: `[Test] ${mail.subject}`,
    html: mail.html,
    text: mail.text,
    headers: { from: mail.from, to: [target.addresses[0]!], cc: [], replyTo: mail.replyTo },
    createdBy: by,
    createdAt: at,
    updatedAt: at,
    nextAttemptAt: at,
  });
  const outcome = await deliverNow(deps, { id: delivery.id });
  const { mailer } = deps;
  if (outcome === "sent")
    return {
      ok: true,
      deliveryId: delivery.id,
      message:
        mailer.kind === "capture"
          ? `Sent to ${recipient}: it is in the Inbox (no SMTP_URL is set).`
          : `Sent to ${recipient} through ${mailer.description}.`,
    };
  return {
    ok: false,
    message: `The test did not go out (${outcome === "dead" ? "refused" : "will be retried"}); the delivery log has the server's answer.`,
  };
}

export { splitDjangoSparkMail };

/**
 * "Import django-spark template": a spark_mails template source translated to Liquid (refused, line by
 * line, where it would read differently), as a subject and a text body that each render the whole
 * source and keep their part of the rendered mail, split as spark_mails splits it.
 */
export function importDjangoSparkTemplate(
  source: string,
): { ok: true; subject: string; text: string } | { ok: false; errors: string[] } {
  const translated = translateDjangoTemplate(source);
  if (!translated.ok) return translated;
  if (translated.liquid.replace(/\{% comment %\}[\s\S]*?\{% endcomment %\}/g, "").trim() === "")
    return { ok: false, errors: ["The source has no non-empty line: spark_mails takes the first one as the subject."] };
  return { ok: true, ...djangoMailFields(translated.liquid) };
}

export async function loadTemplate(deps: Pick<Deps, "db">, id: string): Promise<MailTemplate | null> {
  return z.uuid().safeParse(id).success ? findTemplateById(deps.db, { id }) : null;
}

/** Deletes a template; the mail it queued stays in the delivery log with its version. */
export async function deleteTemplate(deps: Deps, { id }: { id: string }) {
  return deleteTemplateById(deps.db, { id });
}

export const pastEventsInput = z
  .object({
    id: z.uuid(),
    from: z.coerce.date({ error: "Enter the first day, like 2026-11-01." }),
    to: z.coerce.date({ error: "Enter the last day, like 2026-11-30." }),
  })
  .refine((v) => v.from.getTime() <= v.to.getTime(), { message: "The first day comes after the last.", path: ["to"] });

/** Days as the form gives them: from the start of the first to the end of the last. */
const rangeOf = ({ from, to }: { from: Date; to: Date }) => ({
  from,
  to: new Date(to.getTime() + 86_400_000),
});

/**
 * "Send for past events": how many events of the template's group in the range have no mail from it
 * (sent, queued or dead). Events recorded before a template existed are never mailed otherwise.
 */
export async function countPastEventsForTemplate(
  deps: Pick<Deps, "db">,
  input: { id: string; from: Date; to: Date },
): Promise<{ ok: true; count: number; group: string } | { ok: false; message: string }> {
  const template = await loadTemplate(deps, input.id);
  if (!template) return { ok: false, message: "This template was deleted meanwhile; reload the page." };
  const count = await countPastEventsWithoutMail(deps.db, {
    templateId: template.id,
    groupRegex: groupPatternSource(template.groupPattern),
    ...rangeOf(input),
  });
  return { ok: true, count, group: template.groupPattern };
}

/**
 * Queues the template's mail, as it is now, for those events, once each: a second request (a double
 * click, a replay) finds none left. Only an active template sends: a draft would only make dead mail.
 */
export async function sendForPastEvents(
  deps: Deps,
  input: { id: string; from: Date; to: Date },
): Promise<{ ok: true; queued: number } | { ok: false; message: string }> {
  const template = await loadTemplate(deps, input.id);
  if (!template) return { ok: false, message: "This template was deleted meanwhile; reload the page." };
  if (!template.active) return { ok: false, message: "Activate the template first: a draft's mail would not render." };
  const partialsRevision = await currentPartialsRevision(deps.db);
  const queued = await deps.db.transaction((tx) =>
    queuePastEventsMail(tx, {
      templateId: template.id,
      templateVersion: template.version,
      partialsRevision,
      groupRegex: groupPatternSource(template.groupPattern),
      ...rangeOf(input),
      at: deps.clock(),
    }),
  );
  return { ok: true, queued };
}
