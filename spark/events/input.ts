import { z } from "zod";
import { GROUP_PATTERN } from "../mail/group-pattern";

/** Limits on an event handed to Spark by a machine (the ingest API, an outbox table). */
export const EVENT_LIMITS = {
  keyLength: 200,
  aggregateIdLength: 200,
  contextBytes: 256 * 1024,
  contextDepth: 32,
  maxVersion: 2_147_483_647,
} as const;

/** True when a string holds a C0 control character or DEL: what a log line or a terminal misreads. */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string holds half a UTF-16 pair (String.prototype.isWellFormed is not in Node 20's typings). */
export const hasLoneSurrogate = (s: string) => LONE_SURROGATE.test(s);

/**
 * Text a person or a log can read back as it was sent: no control characters (Postgres text cannot even
 * hold NUL) and no lone UTF-16 surrogates (which would not survive the trip to UTF-8).
 */
const printable = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string.` })
    .min(1, `${what} must not be empty.`)
    .max(max, `${what} must be at most ${max} characters.`)
    .refine((s) => !hasControlCharacter(s), `${what} must not contain control characters.`)
    .refine((s) => !hasLoneSurrogate(s), `${what} must not contain lone UTF-16 surrogates.`);

export const eventGroupSchema = z
  .string({ error: "group must be a string." })
  .regex(GROUP_PATTERN, "group must be 1–100 letters, digits or _ . : - (no spaces).");

export const aggregateSchema = z
  .object(
    {
      type: z
        .string({ error: "aggregate.type must be a string." })
        .regex(GROUP_PATTERN, "aggregate.type must be 1–100 letters, digits or _ . : - (no spaces).")
        .refine((type) => type !== "." && type !== "..", 'aggregate.type cannot be "." or "..".'),
      // "." and ".." could be written but never read back: every HTTP stack folds them out of a path.
      id: printable("aggregate.id", EVENT_LIMITS.aggregateIdLength).refine(
        (id) => id !== "." && id !== "..",
        'aggregate.id cannot be "." or "..": they cannot appear in a stream\'s URL.',
      ),
      expectedVersion: z
        .number({ error: "aggregate.expectedVersion must be a number." })
        .int("aggregate.expectedVersion must be a whole number.")
        .min(0, "aggregate.expectedVersion must be 0 (a new stream) or more.")
        .max(EVENT_LIMITS.maxVersion, `aggregate.expectedVersion must be at most ${EVENT_LIMITS.maxVersion}.`)
        .optional(),
    },
    { error: "aggregate must be an object {type, id, expectedVersion?}." },
  )
  .strict();

export const eventInputSchema = z
  .object(
    {
      group: eventGroupSchema,
      key: printable("key", EVENT_LIMITS.keyLength),
      context: z
        .record(z.string(), z.unknown(), { error: "context must be a JSON object." })
        .optional()
        .superRefine((context, ctx) => {
          const problem = context === undefined ? null : contextProblem(context);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }),
      aggregate: aggregateSchema.optional(),
    },
    { error: "Each event must be a JSON object {group, key, context?, aggregate?}." },
  )
  .strict();

export type EventInput = z.infer<typeof eventInputSchema>;
export type AggregateInput = z.infer<typeof aggregateSchema>;

/**
 * What is wrong with a context, or null: nested deeper than the limit, larger than the limit once
 * stored, or holding text Postgres's jsonb refuses (NUL) or UTF-8 cannot carry (lone surrogates).
 * Walked without recursion, so no input can exhaust the stack.
 */
export function contextProblem(context: Record<string, unknown>): string | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: context, depth: 1, path: "context" }];
  let bytes = 0;
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000")) return `${path} must not contain the NUL character (\\u0000).`;
      if (hasLoneSurrogate(value)) return `${path} must not contain lone UTF-16 surrogates.`;
      bytes += Buffer.byteLength(value) + 2;
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) return `${path} must be a finite number.`;
      bytes += 24;
    } else if (value === null || typeof value === "boolean") {
      bytes += 5;
    } else if (typeof value === "object") {
      if (depth > EVENT_LIMITS.contextDepth)
        return `context must not nest deeper than ${EVENT_LIMITS.contextDepth} levels (${path} does).`;
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      bytes += 2;
      for (const [name, child] of entries) {
        if (!Array.isArray(value)) {
          if (name.includes("\u0000") || hasLoneSurrogate(name))
            return `${path} has a property name with NUL or a lone UTF-16 surrogate.`;
          bytes += Buffer.byteLength(name) + 3;
        }
        stack.push({
          value: child,
          depth: depth + 1,
          path: Array.isArray(value) ? `${path}[${name}]` : `${path}.${name}`,
        });
      }
    } else {
      return `${path} is not a JSON value.`;
    }
    if (bytes > EVENT_LIMITS.contextBytes)
      return `context must be at most ${EVENT_LIMITS.contextBytes / 1024} KiB of JSON.`;
  }
  return null;
}

/** The first problem zod found, as one sentence for a per-item result or a field error. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "The event is not valid.";
  if (issue.code === "unrecognized_keys")
    return `Unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")}${issue.path.length ? ` in ${issue.path.join(".")}` : ""}; an event has group, key, context and aggregate.`;
  if (issue.path.length > 0 && !issue.message.startsWith(String(issue.path[0])))
    return `${issue.path.join(".")}: ${issue.message}`;
  return issue.message;
}
