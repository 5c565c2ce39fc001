import { z } from "zod";
import { hasControlCharacter } from "../events/input";

// Headers that carry the request's meaning or framing: an operator's value there would break the
// signature, smuggle a second request, or make Spark's requests look like someone else's.
const RESERVED = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "user-agent",
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_HEADERS = 20;
const MAX_NAME_LENGTH = 100;
const MAX_VALUE_LENGTH = 4096;

/**
 * Null when an endpoint's extra headers may be sent; otherwise what to fix. They are checked again on
 * every send, since stored values outlive the code that first accepted them.
 */
export function checkExtraHeaders(headers: Record<string, string>): string | null {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) return `An endpoint has at most ${MAX_HEADERS} extra headers.`;
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name) || name.length > MAX_NAME_LENGTH) {
      return `"${printable(name)}" is not a header name: use letters, digits and - (at most ${MAX_NAME_LENGTH}).`;
    }
    if (RESERVED.has(lower) || lower.startsWith("webhook-")) {
      return `Spark decides ${lower} itself; remove it from the extra headers.`;
    }
    if (seen.has(lower)) return `${name} is given twice; header names ignore case.`;
    seen.add(lower);
    if (typeof value !== "string") return `The value of ${name} must be text.`;
    if (value.length > MAX_VALUE_LENGTH) return `The value of ${name} is at most ${MAX_VALUE_LENGTH} characters.`;
    // A line break would end this header and start one the operator chose.
    if (hasControlCharacter(value)) {
      return `The value of ${name} must not contain line breaks or control characters.`;
    }
    if (/[^\x20-\x7e]/.test(value)) return `The value of ${name} must be plain ASCII text.`;
  }
  return null;
}

/** An endpoint's extra headers as they arrive from a form or the API. */
export const extraHeadersSchema = z
  .record(z.string(), z.string({ error: "A header value must be text." }))
  .superRefine((headers, ctx) => {
    const message = checkExtraHeaders(headers);
    if (message) ctx.addIssue({ code: "custom", message });
  });

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_NAME_LENGTH);
}
