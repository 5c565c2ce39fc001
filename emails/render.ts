import { convert } from "html-to-text";
import type { Template } from "liquidjs";
import {
  checkReferences,
  createEngines,
  NO_PARTIALS,
  parseLiquid,
  partialReferences,
  renderLiquid,
  SafeHtml,
  TemplateError,
  usedVariables,
  type LiquidEngines,
  type PartialSnapshot,
} from "./liquid";
import { parseAddressList, settlePrintedAddresses } from "./addresses";
import { wrapInLayout } from "./layout";
import { fromDomainProblem, readSparkMail, type SparkMail, type SparkMailKey } from "./spark-mail";

export const templateFields = ["subject", "html", "text", "from", "to", "cc", "bcc", "replyTo"] as const;
export type TemplateField = (typeof templateFields)[number];
export type MailTemplateSource = Record<TemplateField, string>;

export type RenderedMail = {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  html: string;
  text: string;
  textDerived: boolean;
};

/** The fields a render error can belong to: the Liquid fields and the chosen layout. */
export type MailField = TemplateField | "layout";

export const LABELS: Record<MailField, string> = {
  subject: "Subject",
  html: "HTML body",
  text: "Text body",
  from: "From",
  to: "To",
  cc: "Cc",
  bcc: "Bcc",
  replyTo: "Reply-To",
  layout: "Layout",
};

/** What a template renders with besides its fields: the stored partials and layouts, and the layout it chose. */
export type MailOptions = { partials?: PartialSnapshot; layout?: string };

/** A render failure and the field it belongs to, so the editor can show it under that field. */
export class FieldError extends TemplateError {
  /** The reason without the field's name, for a message shown under the field itself. */
  readonly reason: string;
  constructor(
    readonly field: MailField,
    error: TemplateError,
  ) {
    const reason = error.message.startsWith(`${LABELS[field]}: `)
      ? error.message.slice(LABELS[field].length + 2)
      : error.message;
    super(`${LABELS[field]}: ${reason}`, error.line, error.column);
    this.reason = reason;
  }
}

/**
 * The mail asks for no recipient at all: To, Cc and Bcc (and spark_mail's) are empty. Not a fault of
 * the template: the event does not ask for mail, and the delivery is recorded as skipped.
 */
export class NoRecipient extends FieldError {
  constructor(message = "To: no recipient; To, Cc and Bcc rendered empty, so no mail is sent.") {
    super("to", new TemplateError(message));
  }
}

const FIELD_OF_SPARK_MAIL: Record<SparkMailKey, TemplateField> = {
  to: "to",
  cc: "cc",
  bcc: "bcc",
  reply_to: "replyTo",
  from_email: "from",
  subject: "subject",
  body: "text",
};

const ADDRESS_FIELDS = ["from", "to", "cc", "bcc", "replyTo"] as const;
const engineKind = (field: TemplateField): keyof LiquidEngines =>
  field === "html" ? "html" : (ADDRESS_FIELDS as readonly string[]).includes(field) ? "address" : "text";

// One set of engines per snapshot: parsed partials are cached in them, and a snapshot never changes.
const enginesBySnapshot = new WeakMap<PartialSnapshot, LiquidEngines>();
export function enginesFor(partials: PartialSnapshot): LiquidEngines {
  let engines = enginesBySnapshot.get(partials);
  if (!engines) enginesBySnapshot.set(partials, (engines = createEngines(partials)));
  return engines;
}

type Parsed = { fields: Record<TemplateField, Template[]>; layout: Template[] | null };

/** Parses every field and the layout, refusing any include, render or layout of something not stored. */
function parseMail(
  source: MailTemplateSource,
  { partials = NO_PARTIALS, layout = "" }: MailOptions,
): { parsed: Parsed | null; errors: Partial<Record<MailField, TemplateError>> } {
  const engines = enginesFor(partials);
  const errors: Partial<Record<MailField, TemplateError>> = {};
  const fields = {} as Record<TemplateField, Template[]>;
  const parseChecked = (engine: keyof LiquidEngines, text: string) => {
    const templates = parseLiquid(engines[engine], text);
    const refused = checkReferences(partialReferences(templates), partials);
    if (refused) throw refused;
    return templates;
  };
  for (const field of templateFields) {
    try {
      fields[field] = parseChecked(engineKind(field), source[field]);
    } catch (error) {
      errors[field] = error as TemplateError;
    }
  }
  let layoutTemplates: Template[] | null = null;
  if (layout !== "") {
    const stored = partials.get(layout);
    if (stored?.kind !== "layout")
      errors.layout = new TemplateError(`There is no layout named \`${layout}\`; Templates → Layouts lists them`);
    else {
      try {
        layoutTemplates = parseChecked("html", stored.body);
      } catch (error) {
        errors.layout = new TemplateError(
          `The layout \`${layout}\` does not parse: ${(error as TemplateError).message}`,
        );
      }
    }
  }
  return { parsed: Object.keys(errors).length === 0 ? { fields, layout: layoutTemplates } : null, errors };
}

/** Every field's syntax problem, keyed by field, with line and column: what a save checks. */
export function checkTemplateSyntax(
  source: MailTemplateSource,
  options: MailOptions = {},
): Partial<Record<MailField, string>> {
  const { errors } = parseMail(source, options);
  return Object.fromEntries(Object.entries(errors).map(([field, error]) => [field, error.message]));
}

export type FieldVariable = { field: MailField; path: string[]; line: number; column: number };

/** The context variables each field (and the layout, but for its `content`) reads; null when something does not parse. */
export async function templateVariables(
  source: MailTemplateSource,
  options: MailOptions = {},
): Promise<FieldVariable[] | null> {
  const { parsed } = parseMail(source, options);
  if (!parsed) return null;
  const used: FieldVariable[] = [];
  for (const field of templateFields)
    for (const v of await usedVariables(parsed.fields[field])) used.push({ field, ...v });
  if (parsed.layout)
    for (const v of await usedVariables(parsed.layout))
      if (v.path[0] !== "content") used.push({ field: "layout", ...v });
  return used;
}

export type CompiledMail = {
  render(context: Record<string, unknown>, options: { defaultFrom: string }): Promise<RenderedMail>;
};

/**
 * Parses a template once for many renders (a job pass renders it for every new event). Rendering
 * fails with a FieldError rather than produce a half-empty mail: a missing variable, no recipient, an
 * address that is not one, an empty subject, or no body at all.
 */
export function compileMail(source: MailTemplateSource, options: MailOptions = {}): CompiledMail {
  const { parsed, errors } = parseMail(source, options);
  if (!parsed) {
    const [field, error] = Object.entries(errors)[0]!;
    throw new FieldError(field as MailField, error);
  }
  const engines = enginesFor(options.partials ?? NO_PARTIALS);
  const renderField = async (field: TemplateField, context: Record<string, unknown>) => {
    try {
      return await renderLiquid(engines[engineKind(field)], parsed.fields[field], context);
    } catch (error) {
      throw new FieldError(field, error as TemplateError);
    }
  };
  const inLayout = async (body: string, context: Record<string, unknown>) => {
    if (!parsed.layout || body.trim() === "") return body;
    try {
      return await renderLiquid(engines.html, parsed.layout, { ...context, content: new SafeHtml(body) });
    } catch (error) {
      throw new FieldError("layout", error as TemplateError);
    }
  };
  return {
    async render(context, { defaultFrom }) {
      const read = readSparkMail(context);
      if (read && !read.ok)
        throw new FieldError(read.key ? FIELD_OF_SPARK_MAIL[read.key] : "to", new TemplateError(read.message));
      const spark: SparkMail | null = read?.mail ?? null;
      if (spark?.from && source.from.trim() === "") {
        const problem = fromDomainProblem(spark.from, defaultFrom);
        if (problem) throw new FieldError("from", new TemplateError(problem));
      }
      const fallback: Record<(typeof ADDRESS_FIELDS)[number], string[]> = {
        to: spark?.to ?? [],
        cc: spark?.cc ?? [],
        bcc: spark?.bcc ?? [],
        replyTo: spark?.replyTo ?? [],
        from: spark?.from ? [spark.from] : [],
      };
      // spark_mail's values are data, never Liquid: they fill the fields a template leaves empty as they are.
      const value = async (field: "subject" | "text") =>
        source[field].trim() === ""
          ? ((field === "subject" ? spark?.subject : spark?.body) ?? "")
          : renderField(field, context);
      const lists = {} as Record<(typeof ADDRESS_FIELDS)[number], string[]>;
      for (const field of ADDRESS_FIELDS) {
        if (source[field].trim() === "") {
          lists[field] = fallback[field];
          continue;
        }
        const parsed = parseAddressList(settlePrintedAddresses(await renderField(field, context)));
        if (!parsed.ok) throw new FieldError(field, new TemplateError(`${LABELS[field]}: ${parsed.message}`));
        lists[field] = parsed.addresses;
      }
      if (lists.from.length > 1) throw new FieldError("from", new TemplateError("From: give a single address."));
      if (lists.to.length + lists.cc.length + lists.bcc.length === 0) throw new NoRecipient();
      const subject = (await value("subject")).replace(/\s+/g, " ").trim();
      if (subject === "") throw new FieldError("subject", new TemplateError("Subject: it rendered empty."));
      const htmlBody = source.html.trim() === "" ? "" : await renderField("html", context);
      const textBody = await value("text");
      if (htmlBody.trim() === "" && textBody.trim() === "")
        throw new FieldError("html", new TemplateError("Both bodies rendered empty; write an HTML or a text body."));
      const textDerived = textBody.trim() === "";
      return {
        from: lists.from[0] ?? defaultFrom,
        to: lists.to,
        cc: lists.cc,
        bcc: lists.bcc,
        replyTo: lists.replyTo,
        subject,
        html: htmlBody.trim() === "" ? "" : wrapInLayout(await inLayout(htmlBody, context), subject),
        text: textDerived
          ? convert(htmlBody, {
              wordwrap: 78,
              selectors: [{ selector: "a", options: { hideLinkHrefIfSameAsText: true } }],
            })
          : textBody,
        textDerived,
      };
    },
  };
}

const NO_TEMPLATE: MailTemplateSource = {
  subject: "",
  html: "",
  text: "",
  from: "",
  to: "",
  cc: "",
  bcc: "",
  replyTo: "",
};
let sparkMailOnly: CompiledMail | null = null;

/**
 * django-spark's mail for an event no template answers: its `spark_mail` as it is, a text mail, with
 * the same checks as a template's (addresses, a subject, a body); none of it is read as Liquid.
 */
export async function renderSparkMail(
  context: Record<string, unknown>,
  { defaultFrom }: { defaultFrom: string },
): Promise<RenderedMail> {
  try {
    return await (sparkMailOnly ??= compileMail(NO_TEMPLATE)).render(context, { defaultFrom });
  } catch (error) {
    // The template's words ("rendered empty") do not fit mail that has no template: name spark_mail's keys.
    if (error instanceof NoRecipient)
      throw new NoRecipient("spark_mail names no recipient in to, cc or bcc, so no mail is sent.");
    if (error instanceof FieldError && error.field === "subject" && !error.reason.startsWith("spark_mail"))
      throw new FieldError("subject", new TemplateError("spark_mail.subject is empty; a mail needs a subject."));
    if (error instanceof FieldError && error.field === "html")
      throw new FieldError("text", new TemplateError("spark_mail.body is empty; a mail needs a body."));
    throw error;
  }
}
