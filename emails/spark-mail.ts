import { z } from "zod";
import { bareAddress, parseAddressList } from "./addresses";

/**
 * django-spark's `spark_mail` context entry, the keyword arguments of Django's `EmailMessage`. It comes
 * from application data or an API producer, so it is read as hostile: plain values, never Liquid.
 */
export type SparkMail = {
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  from: string | null;
  subject: string;
  body: string;
};

export const SPARK_MAIL_LIMITS = {
  subjectChars: 998,
  bodyBytes: 256 * 1024,
  recipients: 50,
  addressChars: 320,
  // Each recipient's delivery keeps its own copy of the body: one event may not make more than this.
  storedBytes: 1024 * 1024,
};

export const SPARK_MAIL_KEYS = ["to", "cc", "bcc", "from_email", "reply_to", "subject", "body"] as const;
export type SparkMailKey = (typeof SPARK_MAIL_KEYS)[number];

// Django refuses a header value with a line break (BadHeaderError); a NUL or other control character,
// or Unicode's line and paragraph separators, have no business in a header either.
const HEADER_BREAK = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const headerText = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((s) => !HEADER_BREAK.test(s), "holds a line break or a control character, which a mail header cannot");
const addressText = headerText.refine((s) => s.length <= SPARK_MAIL_LIMITS.addressChars, {
  message: `is longer than ${SPARK_MAIL_LIMITS.addressChars} characters`,
});
const addressList = z.union([addressText, z.array(addressText).max(SPARK_MAIL_LIMITS.recipients)]).nullish();

const sparkMailSchema = z
  .object({
    to: addressList,
    cc: addressList,
    bcc: addressList,
    reply_to: addressList,
    from_email: addressText.nullish(),
    subject: headerText
      .refine((s) => s.length <= SPARK_MAIL_LIMITS.subjectChars, {
        message: `is longer than ${SPARK_MAIL_LIMITS.subjectChars} characters`,
      })
      .nullish(),
    body: z
      .union([z.string(), z.number()])
      .transform(String)
      .refine((s) => Buffer.byteLength(s) <= SPARK_MAIL_LIMITS.bodyBytes, {
        message: `is larger than ${SPARK_MAIL_LIMITS.bodyBytes / 1024} KiB`,
      })
      .nullish(),
  })
  // Headers, attachments or alternatives Spark would not send: refused, rather than a different mail.
  .strict();

export type SparkMailRead = { ok: true; mail: SparkMail } | { ok: false; key: SparkMailKey | null; message: string };

/** Reads a context's `spark_mail`; null when the context has none (absent or null). */
export function readSparkMail(context: Record<string, unknown>): SparkMailRead | null {
  const value = context.spark_mail;
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value))
    return { ok: false, key: null, message: "spark_mail must be an object with to, subject, body…" };
  const parsed = sparkMailSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys")
      return {
        ok: false,
        key: null,
        message: `spark_mail.${issue.keys[0]} is not sent by Spark; use only ${SPARK_MAIL_KEYS.join(", ")}.`,
      };
    const key = issue.path[0] as SparkMailKey;
    const where = `spark_mail.${issue.path.join(".")}`;
    const given = (value as Record<string, unknown>)[key];
    const reason =
      Array.isArray(given) && given.length > SPARK_MAIL_LIMITS.recipients
        ? `lists more than ${SPARK_MAIL_LIMITS.recipients} addresses`
        : issue.code === "invalid_union" || issue.code === "invalid_type"
          ? key === "body" || key === "subject" || key === "from_email"
            ? "must be a string"
            : "must be a string or a list of strings"
          : issue.message;
    return { ok: false, key, message: `${where} ${reason}.` };
  }
  const data = parsed.data;
  const lists = { to: [] as string[], cc: [] as string[], bcc: [] as string[], reply_to: [] as string[] };
  for (const key of ["to", "cc", "bcc", "reply_to"] as const) {
    const given = data[key];
    for (const text of given === null || given === undefined ? [] : Array.isArray(given) ? given : [given]) {
      const addresses = parseAddressList(text);
      if (!addresses.ok) return { ok: false, key, message: `spark_mail.${key}: ${addresses.message}` };
      lists[key].push(...addresses.addresses);
    }
  }
  if (lists.to.length + lists.cc.length + lists.bcc.length > SPARK_MAIL_LIMITS.recipients)
    return {
      ok: false,
      key: "to",
      message: `spark_mail names more than ${SPARK_MAIL_LIMITS.recipients} recipients in to, cc and bcc.`,
    };
  const bodyBytes = data.body ? Buffer.byteLength(data.body) : 0;
  const recipients = lists.to.length + lists.cc.length + lists.bcc.length;
  if (bodyBytes * recipients > SPARK_MAIL_LIMITS.storedBytes)
    return {
      ok: false,
      key: "body",
      message: `spark_mail.body (${Math.ceil(bodyBytes / 1024)} KiB) for ${recipients} recipients would store more than ${SPARK_MAIL_LIMITS.storedBytes / 1024 / 1024} MiB; send a shorter body or fewer recipients per event.`,
    };
  let from: string | null = null;
  if (data.from_email) {
    const parsedFrom = parseAddressList(data.from_email);
    if (!parsedFrom.ok)
      return { ok: false, key: "from_email", message: `spark_mail.from_email: ${parsedFrom.message}` };
    if (parsedFrom.addresses.length > 1)
      return { ok: false, key: "from_email", message: "spark_mail.from_email: give a single address." };
    from = parsedFrom.addresses[0] ?? null;
  }
  return {
    ok: true,
    mail: {
      to: lists.to,
      cc: lists.cc,
      bcc: lists.bcc,
      replyTo: lists.reply_to,
      from,
      subject: data.subject ?? "",
      body: data.body ?? "",
    },
  };
}

const domainOf = (address: string) => bareAddress(address).split("@").pop() ?? "";

/**
 * Whether `from_email` may be used: only at the domain Spark sends from (SPARK_MAIL_FROM), so an event
 * — which an API key may write — cannot make Spark's relay send as somebody else.
 */
export function fromDomainProblem(from: string, defaultFrom: string): string | null {
  const domain = domainOf(defaultFrom);
  return domainOf(from) === domain
    ? null
    : `spark_mail.from_email must be an address at ${domain}, the domain Spark sends from (SPARK_MAIL_FROM).`;
}
