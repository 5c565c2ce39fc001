import { z } from "zod";
import type { Tx } from "@/db/client";
import { listRecordedKeys, type NewEvent } from "@/db/queries/events";
import { currentStreamVersions, lockStreams, streamName, type StreamRef } from "@/db/queries/event-streams";
import type { Deps } from "../deps";
import { createHandlerMatcher, type Handler } from "../events/handlers";
import { eventInputSchema, firstProblem, type EventInput } from "../events/input";
import { recordEventsIn } from "../events/record";
import { createMailHandler } from "../mail/handler";

export const INGEST_LIMITS = { events: 1000, bytes: 1024 * 1024 } as const;

const streamPositionSchema = z.object({
  type: z.string(),
  id: z.string(),
  version: z.number().int().describe("The event's version in its aggregate's stream: 1, 2, 3…"),
});

/** One item's outcome. Only `failed` is worth sending again unchanged; the others are final. */
export const ingestResultSchema = z.discriminatedUnion("status", [
  z
    .object({
      key: z.string(),
      status: z.literal("recorded"),
      id: z.number().int(),
      aggregate: streamPositionSchema.optional(),
    })
    .describe("Recorded now: handlers ran and its mail is queued."),
  z
    .object({ key: z.string(), status: z.literal("duplicate") })
    .describe("The key was recorded before (or earlier in this request); nothing changed."),
  z
    .object({ key: z.string(), status: z.literal("conflict"), message: z.string(), currentVersion: z.number().int() })
    .describe("The aggregate is not at the expected version; nothing of that aggregate in the request was recorded."),
  z
    .object({ key: z.string().nullable(), status: z.literal("invalid"), message: z.string() })
    .describe("The item breaks a rule the message names; fix it before sending it again."),
  z
    .object({ key: z.string(), status: z.literal("failed"), message: z.string() })
    .describe("A handler failed; nothing of the event was recorded. Send it again later."),
]);
export type IngestResult = z.infer<typeof ingestResultSchema>;

export const ingestResponseSchema = z.object({
  results: z.array(ingestResultSchema).describe("One result per item, in the order sent."),
  recorded: z.number().int(),
  duplicate: z.number().int(),
  conflict: z.number().int(),
  invalid: z.number().int(),
  failed: z.number().int(),
});
export type IngestResponse = z.infer<typeof ingestResponseSchema>;

/** The response body for a request's results, with how many of each. */
export function ingestResponseOf(results: IngestResult[]): IngestResponse {
  const counts = { recorded: 0, duplicate: 0, conflict: 0, invalid: 0, failed: 0 };
  for (const result of results) counts[result.status]++;
  return { results, ...counts };
}

/** Where API-recorded events say they came from: the key's id, so the log can name it after a rename. */
export const apiSourceOf = (apiKeyId: string) => `api:${apiKeyId}`;

/** The request body, for the API's description: each item is checked on its own, so one bad item fails alone. */
export const ingestRequestSchema = z.union([
  eventInputSchema,
  z.object({ events: z.array(eventInputSchema).min(1).max(INGEST_LIMITS.events) }).strict(),
]);

/** What is wrong with a whole request body (4xx), or the items it carries. */
export function itemsOfBody(
  body: unknown,
): { ok: true; items: unknown[]; single: boolean } | { ok: false; message: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return {
      ok: false,
      message: 'Send one event {"group", "key", "context"?, "aggregate"?} or {"events": [ …up to 1,000 of them ]}.',
    };
  if ("events" in body) {
    const { events, ...rest } = body as { events: unknown };
    if (Object.keys(rest).length > 0)
      return { ok: false, message: `A batch has only "events"; move ${Object.keys(rest).join(", ")} into each event.` };
    if (!Array.isArray(events)) return { ok: false, message: '"events" must be an array of events.' };
    if (events.length === 0) return { ok: false, message: '"events" is empty; send at least one event.' };
    if (events.length > INGEST_LIMITS.events)
      return {
        ok: false,
        message: `"events" holds ${events.length} events; send at most ${INGEST_LIMITS.events} per request.`,
      };
    return { ok: true, items: events, single: false };
  }
  return { ok: true, items: [body], single: true };
}

type Valid = { index: number; event: EventInput };
type Pending = IngestResult | null;

/** Transient database refusals a repeat of the same transaction gets past: a deadlock, a serialization failure. */
const RETRYABLE = new Set(["40P01", "40001"]);
const codeOf = (error: unknown): string | undefined => {
  for (let e = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
};

/** Why an API key without the mail scope may not hand over an event that carries its own mail. */
export const SPARK_MAIL_NEEDS_SCOPE =
  "context.spark_mail names its own recipients and text, which only a key with the mail scope may send; remove spark_mail (a template for the group mails the event), or use a key an admin created with the ingest and mail scopes.";
/** Why a broker message may not carry its own mail: whoever can publish to the queue is not vouched for. */
export const SPARK_MAIL_FROM_INBOUND =
  "context.spark_mail names its own recipients and text, which Spark does not send for broker messages; remove spark_mail (a template for the group mails the event).";

/** Thrown inside the transaction when a racing producer took a key after this one checked it. */
class KeyTakenMeanwhile extends Error {}

/** Rolls back the aggregates' savepoint when some of their events fail a handler. */
class HandlersFailed extends Error {
  constructor(readonly failures: { key: string; handler: string; message: string }[]) {
    super(failures[0]?.message ?? "a handler failed");
  }
}

/**
 * Records events a producer handed over, one result per item in order. Every event goes through the
 * same handlers and mail as generated ones, in the same transaction. A key seen before is `duplicate`
 * and changes nothing, so a producer can always send a request again. Events naming an aggregate are
 * appended to its stream with the next versions — all of one aggregate's items in a request, or none.
 */
export async function ingestEvents(
  deps: Deps,
  {
    items,
    source,
    sparkMail = { allowed: true },
    alongside,
  }: {
    items: unknown[];
    /** Where the events say they came from: `api:<key id>`, `inbound:<id>`, … */
    source: string;
    /**
     * Whether an event may carry its own `spark_mail` (recipients, sender, text of its choosing); when
     * not, such an item is `invalid` with `refusal`, so a producer cannot use Spark as a mail relay.
     */
    sparkMail?: { allowed: true } | { allowed: false; refusal: string };
    /**
     * Written in the events' own transaction, with every item's result: what must hold exactly when
     * the events do (an inbound's counts). Runs again if the transaction is retried; not at all when
     * no item was valid, since nothing is then written.
     */
    alongside?: (tx: Tx, results: IngestResult[]) => Promise<void>;
  },
): Promise<IngestResult[]> {
  const results: Pending[] = items.map(() => null);
  const valid: Valid[] = [];
  const firstIndexOfKey = new Map<string, number>();
  items.forEach((item, index) => {
    const parsed = eventInputSchema.safeParse(item);
    if (!parsed.success) {
      const key = typeof (item as { key?: unknown })?.key === "string" ? (item as { key: string }).key : null;
      results[index] = {
        key: key && key.length <= 200 ? key : null,
        status: "invalid",
        message: firstProblem(parsed.error),
      };
      return;
    }
    const context = parsed.data.context as Record<string, unknown> | undefined;
    if (!sparkMail.allowed && context?.spark_mail !== undefined && context.spark_mail !== null) {
      results[index] = { key: parsed.data.key, status: "invalid", message: sparkMail.refusal };
      return;
    }
    // The same key twice in one request: the first is the event, the second a repeat of it.
    if (firstIndexOfKey.has(parsed.data.key)) {
      results[index] = { key: parsed.data.key, status: "duplicate" };
      return;
    }
    firstIndexOfKey.set(parsed.data.key, index);
    valid.push({ index, event: parsed.data });
  });

  const standalone = valid.filter((v) => !v.event.aggregate);
  const streams = new Map<string, { ref: StreamRef; items: Valid[] }>();
  for (const v of valid) {
    if (!v.event.aggregate) continue;
    const ref = { type: v.event.aggregate.type, id: v.event.aggregate.id };
    const name = streamName(ref);
    const stream = streams.get(name) ?? { ref, items: [] };
    stream.items.push(v);
    streams.set(name, stream);
  }
  // All of an aggregate's items or none: one invalid item holds back the others of its aggregate.
  for (const stream of streams.values()) {
    const invalidItem = items.findIndex((item, index) => {
      const result = results[index];
      const aggregate = (item as { aggregate?: { type?: unknown; id?: unknown } })?.aggregate;
      return result?.status === "invalid" && aggregate?.type === stream.ref.type && aggregate?.id === stream.ref.id;
    });
    if (invalidItem < 0) continue;
    for (const { index, event } of stream.items)
      results[index] = {
        key: event.key,
        status: "invalid",
        message: `Item ${invalidItem} of this request, for the same aggregate, is invalid; nothing of aggregate ${stream.ref.type}/${stream.ref.id} was recorded.`,
      };
    streams.delete(streamName(stream.ref));
  }

  if (standalone.length > 0 || streams.size > 0) {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await deps.db.transaction(async (tx) => {
          const recorded = await recordInOneTransaction(tx, deps, {
            standalone,
            streams: [...streams.values()],
            source,
          });
          await alongside?.(
            tx,
            results.map((result, index) => (recorded.get(index) ?? result)!),
          );
          return recorded;
        });
        for (const [index, result] of outcome) results[index] = result;
        break;
      } catch (error) {
        const retry = error instanceof KeyTakenMeanwhile || RETRYABLE.has(codeOf(error) ?? "");
        if (!retry || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }
  return results.map((r) => r!);
}

async function recordInOneTransaction(
  tx: Tx,
  deps: Deps,
  {
    standalone,
    streams,
    source,
  }: { standalone: Valid[]; streams: { ref: StreamRef; items: Valid[] }[]; source: string },
): Promise<Map<number, IngestResult>> {
  const results = new Map<number, IngestResult>();
  // Read in the transaction, so the templates that queue mail are those of the moment the events commit.
  const mail = await createMailHandler({ db: tx, settings: deps.settings, metrics: deps.metrics });
  const handlers: Handler[] = [...deps.handlers, mail];
  const matcher = createHandlerMatcher(handlers);
  const toNew = ({ event }: Valid, aggregate?: NewEvent["aggregate"]): NewEvent => ({
    group: event.group,
    key: event.key,
    context: event.context ?? {},
    generatorId: null,
    source,
    aggregate,
  });

  if (standalone.length > 0) {
    const outcome = await recordEventsIn(tx, deps, { events: standalone.map((v) => toNew(v)), handlers, matcher });
    const recorded = new Map(outcome.recorded.map((e) => [e.key, e.id]));
    const failed = new Map(outcome.failed.map((f) => [f.key, f]));
    for (const { index, event } of standalone) {
      const id = recorded.get(event.key);
      const failure = failed.get(event.key);
      results.set(
        index,
        id !== undefined
          ? { key: event.key, status: "recorded", id }
          : failure
            ? {
                key: event.key,
                status: "failed",
                message: `The handler "${failure.handler}" failed: ${failure.message}`,
              }
            : { key: event.key, status: "duplicate" },
      );
    }
  }

  if (streams.length > 0) {
    const refs = streams.map((s) => s.ref);
    await lockStreams(tx, { streams: refs });
    // With the locks held, nobody else appends to these streams until this transaction ends: the keys
    // and versions read now stay true until the events are written.
    const seen = await listRecordedKeys(tx, { keys: streams.flatMap((s) => s.items.map((v) => v.event.key)) });
    const versions = await currentStreamVersions(tx, { streams: refs });
    const appending: { ref: StreamRef; fresh: Valid[]; current: number }[] = [];
    for (const { ref, items } of streams) {
      const fresh = items.filter((v) => !seen.has(v.event.key));
      for (const v of items) if (seen.has(v.event.key)) results.set(v.index, { key: v.event.key, status: "duplicate" });
      if (fresh.length === 0) continue;
      const current = versions.get(streamName(ref)) ?? 0;
      const mismatch = fresh.findIndex(
        (v, i) =>
          v.event.aggregate!.expectedVersion !== undefined && v.event.aggregate!.expectedVersion !== current + i,
      );
      if (mismatch >= 0) {
        const expected = fresh[mismatch]!.event.aggregate!.expectedVersion!;
        for (const v of fresh)
          results.set(v.index, {
            key: v.event.key,
            status: "conflict",
            currentVersion: current,
            message: `Aggregate ${ref.type}/${ref.id} is at version ${current}, not ${expected - mismatch}; read its stream, then append again with expectedVersion ${current}.`,
          });
        continue;
      }
      appending.push({ ref, fresh, current });
    }
    await appendAll(appending);
  }
  return results;

  /**
   * Records every aggregate's new events with one insert and one round of handlers, in a savepoint. If
   * a handler fails on an event, its whole aggregate is marked failed and the savepoint is tried again
   * without it, so one aggregate's failure never keeps another's events, nor leaves half of its own.
   */
  async function appendAll(appending: { ref: StreamRef; fresh: Valid[]; current: number }[]) {
    let left = appending;
    while (left.length > 0) {
      const events = left.flatMap(({ ref, fresh, current }) =>
        fresh.map((v, i) => toNew(v, { type: ref.type, id: ref.id, version: current + 1 + i })),
      );
      try {
        const ids = await tx.transaction(async (savepoint) => {
          const outcome = await recordEventsIn(savepoint, deps, { events, handlers, matcher });
          if (outcome.failed.length > 0) throw new HandlersFailed(outcome.failed);
          if (outcome.recorded.length < events.length) throw new KeyTakenMeanwhile();
          return new Map(outcome.recorded.map((e) => [e.key, e.id]));
        });
        for (const { ref, fresh, current } of left)
          fresh.forEach((v, i) =>
            results.set(v.index, {
              key: v.event.key,
              status: "recorded",
              id: ids.get(v.event.key)!,
              aggregate: { type: ref.type, id: ref.id, version: current + 1 + i },
            }),
          );
        return;
      } catch (error) {
        if (!(error instanceof HandlersFailed)) throw error;
        const failedBy = new Map(error.failures.map((f) => [f.key, f]));
        left = left.filter(({ fresh }) => {
          const failure = fresh.map((v) => failedBy.get(v.event.key)).find(Boolean);
          if (!failure) return true;
          for (const v of fresh)
            results.set(v.index, {
              key: v.event.key,
              status: "failed",
              message:
                failure.key === v.event.key
                  ? `The handler "${failure.handler}" failed: ${failure.message}`
                  : `The handler "${failure.handler}" failed on ${failure.key}, of the same aggregate; nothing of it was recorded.`,
            });
          return false;
        });
      }
    }
  }
}
