import { convert } from "html-to-text";
import type { Template } from "liquidjs";
import { addressLiquid, htmlLiquid, parseLiquid, renderLiquid, textLiquid, TemplateError } from "./liquid";
import { parseAddressList } from "./addresses";
import { wrapInLayout } from "./layout";

export const templateFields = ["subject", "html", "text", "from", "to", "cc", "bcc", "replyTo"] as const;
export type TemplateField = (typeof templateFields)[number];
export type MailTemplateSource = Record<TemplateField, string>;

export type RenderedMail = { from: string; to: string[]; cc: string[]; bcc: string[]; replyTo: string[]; subject: string; html: string; text: string; textDerived: boolean };

export const LABELS: Record<TemplateField, string> = { subject: "Subject", html: "HTML body", text: "Text body", from: "From", to: "To", cc: "Cc", bcc: "Bcc", replyTo: "Reply-To" };

/** A render failure and the field it belongs to, so the editor can show it under that field. */
export class FieldError extends TemplateError {
  /** The reason without the field's name, for a message shown under the field itself. */
  readonly reason: string;
  constructor(
    readonly field: TemplateField,
    error: TemplateError,
  ) {
    const reason = error.message.startsWith(`${LABELS[field]}: `) ? error.message.slice(LABELS[field].length + 2) : error.message;
    super(`${LABELS[field]}: ${reason}`, error.line, error.column);
    this.reason = reason;
  }
}

const ADDRESS_FIELDS = ["from", "to", "cc", "bcc", "replyTo"] as const;
const engineFor = (field: TemplateField) => (field === "html" ? htmlLiquid : (ADDRESS_FIELDS as readonly string[]).includes(field) ? addressLiquid : textLiquid);

/** Every field's syntax problem, keyed by field, with line and column: what a save checks. */
export function checkTemplateSyntax(source: MailTemplateSource): Partial<Record<TemplateField, string>> {
  const errors: Partial<Record<TemplateField, string>> = {};
  for (const field of templateFields) {
    try {
      parseLiquid(engineFor(field), source[field]);
    } catch (error) {
      errors[field] = (error as TemplateError).message;
    }
  }
  return errors;
}

/** django-spark's `spark_mail` context entry: values a template's empty fields fall back to. */
type SparkMailDefaults = { to?: unknown; cc?: unknown; bcc?: unknown; from_email?: unknown; reply_to?: unknown; subject?: unknown; body?: unknown };

const listText = (value: unknown) => (Array.isArray(value) ? value.map(String).join(", ") : value === undefined || value === null ? "" : String(value));

export type CompiledMail = { render(context: Record<string, unknown>, options: { defaultFrom: string }): Promise<RenderedMail> };

/**
 * Parses a template once for many renders (a job pass renders it for every new event). Rendering
 * fails with a FieldError rather than produce a half-empty mail: a missing variable, no recipient, an
 * address that is not one, an empty subject, or no body at all.
 */
export function compileMail(source: MailTemplateSource): CompiledMail {
  const compiled = {} as Record<TemplateField, Template[]>;
  for (const field of templateFields) {
    try {
      compiled[field] = parseLiquid(engineFor(field), source[field]);
    } catch (error) {
      throw new FieldError(field, error as TemplateError);
    }
  }
  const renderField = async (field: TemplateField, context: Record<string, unknown>) => {
    try {
      return await renderLiquid(engineFor(field), compiled[field], context);
    } catch (error) {
      throw new FieldError(field, error as TemplateError);
    }
  };
  return {
    async render(context, { defaultFrom }) {
      const defaults = (context.spark_mail && typeof context.spark_mail === "object" ? context.spark_mail : {}) as SparkMailDefaults;
      const fallback: Partial<Record<TemplateField, string>> = {
        to: listText(defaults.to),
        cc: listText(defaults.cc),
        bcc: listText(defaults.bcc),
        replyTo: listText(defaults.reply_to),
        from: listText(defaults.from_email),
        subject: listText(defaults.subject),
        text: listText(defaults.body),
      };
      const value = async (field: TemplateField) => (source[field].trim() === "" ? (fallback[field] ?? "") : renderField(field, context));
      const lists = {} as Record<(typeof ADDRESS_FIELDS)[number], string[]>;
      for (const field of ADDRESS_FIELDS) {
        const parsed = parseAddressList(await value(field));
        if (!parsed.ok) throw new FieldError(field, new TemplateError(`${LABELS[field]}: ${parsed.message}`));
        lists[field] = parsed.addresses;
      }
      if (lists.from.length > 1) throw new FieldError("from", new TemplateError("From: give a single address."));
      if (lists.to.length + lists.cc.length + lists.bcc.length === 0) throw new FieldError("to", new TemplateError("To: no recipient; the field rendered empty."));
      const subject = (await value("subject")).replace(/\s+/g, " ").trim();
      if (subject === "") throw new FieldError("subject", new TemplateError("Subject: it rendered empty."));
      const htmlBody = source.html.trim() === "" ? "" : await renderField("html", context);
      const textBody = await value("text");
      if (htmlBody.trim() === "" && textBody.trim() === "") throw new FieldError("html", new TemplateError("Both bodies rendered empty; write an HTML or a text body."));
      const textDerived = textBody.trim() === "";
      return {
        from: lists.from[0] ?? defaultFrom,
        to: lists.to,
        cc: lists.cc,
        bcc: lists.bcc,
        replyTo: lists.replyTo,
        subject,
        html: htmlBody.trim() === "" ? "" : wrapInLayout(htmlBody, subject),
        text: textDerived ? convert(htmlBody, { wordwrap: 78, selectors: [{ selector: "a", options: { hideLinkHrefIfSameAsText: true } }] }) : textBody,
        textDerived,
      };
    },
  };
}
