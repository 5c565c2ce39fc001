import { sql } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { inboundRejections, inbounds, type Inbound } from "@/db/schema";
import type { Deps } from "../deps";
import type { InboundDelivery } from "../brokers/types";
import { describeError } from "../logger";
import { ingestEvents, SPARK_MAIL_FROM_INBOUND, type IngestResult } from "../producers/ingest";

/** The largest message an inbound takes: the ingest API's whole-request limit. */
export const INBOUND_MESSAGE_LIMIT = 1024 * 1024;
const BODY_EXCERPT = 2048;

export const inboundSourceOf = (inboundId: string) => `inbound:${inboundId}`;

/**
 * What event a message carries: a JSON body `{group, key, context?, aggregate?}`, or — for producers
 * that route rather than describe — the routing key (or subject) as the group, the message id as the
 * key and a JSON object body, if any, as the context. The item is checked by the ingest path after.
 */
export function eventOfMessage(
  message: Pick<InboundDelivery, "body" | "routingKey" | "messageId">,
): { ok: true; item: unknown } | { ok: false; reason: string } {
  if (message.body.byteLength > INBOUND_MESSAGE_LIMIT)
    return {
      ok: false,
      reason: `The message is ${message.body.byteLength} bytes; at most ${INBOUND_MESSAGE_LIMIT} are taken.`,
    };
  let parsed: unknown = undefined;
  const text = message.body.toString("utf8");
  if (text.trim() !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  if (isObject && "group" in (parsed as object) && "key" in (parsed as object)) return { ok: true, item: parsed };
  if (message.routingKey && message.messageId) {
    if (text.trim() !== "" && !isObject)
      return {
        ok: false,
        reason: "The body is not a JSON object; send {group, key, context} or a JSON object context.",
      };
    return {
      ok: true,
      item: { group: message.routingKey, key: message.messageId, context: isObject ? parsed : {} },
    };
  }
  return {
    ok: false,
    reason:
      parsed === undefined && text.trim() !== ""
        ? "The body is not JSON, and the message has no routing key and message id to make an event of."
        : "A message needs a JSON body {group, key, context} or a routing key (subject) and a message id.",
  };
}

export type InboundTally = {
  received: number;
  recorded: number;
  duplicates: number;
  rejected: number;
  retried: number;
};

/**
 * Records a batch of messages as events through the ingest path, then settles each: acknowledged only
 * after its event's transaction committed (or when its key was recorded before), rejected without
 * requeue — and kept, with the reason — when it is not an event, handed back to the broker when it
 * could not be recorded now. A database failure hands the whole batch back.
 */
export async function recordInboundBatch(
  deps: Deps,
  { inbound, deliveries }: { inbound: Pick<Inbound, "id">; deliveries: InboundDelivery[] },
): Promise<InboundTally> {
  const unreadable: { delivery: InboundDelivery; reason: string }[] = [];
  const items: unknown[] = [];
  const carried: InboundDelivery[] = [];
  for (const delivery of deliveries) {
    const mapped = eventOfMessage(delivery);
    if (mapped.ok) {
      items.push(mapped.item);
      carried.push(delivery);
    } else unreadable.push({ delivery, reason: mapped.reason });
  }
  // What to do with each message, from the results: the same plan inside the transaction (to count)
  // and after it (to settle).
  const planOf = (results: IngestResult[]) => {
    const tally: InboundTally = { received: deliveries.length, recorded: 0, duplicates: 0, rejected: 0, retried: 0 };
    const acks: InboundDelivery[] = [];
    const retries: InboundDelivery[] = [];
    const rejections = [...unreadable];
    for (const [i, result] of results.entries()) {
      const delivery = carried[i]!;
      if (result.status === "recorded" || result.status === "duplicate") {
        acks.push(delivery);
        if (result.status === "recorded") tally.recorded++;
        else tally.duplicates++;
      } else if (result.status === "failed") {
        retries.push(delivery);
        tally.retried++;
      } else rejections.push({ delivery, reason: result.message });
    }
    tally.rejected = rejections.length;
    return { tally, acks, retries, rejections };
  };
  let counted = false;
  let results: IngestResult[];
  try {
    results =
      items.length > 0
        ? await ingestEvents(deps, {
            items,
            source: inboundSourceOf(inbound.id),
            sparkMail: { allowed: false, refusal: SPARK_MAIL_FROM_INBOUND },
            // Counted, and the refusals kept, in the events' own transaction: the counts hold exactly
            // when the events do, and a process that dies before acknowledging has the broker deliver
            // the batch again (counted again, as duplicates).
            alongside: async (tx, all) => {
              const plan = planOf(all);
              await keepRefusals(tx, inbound.id, plan.rejections, deps.clock());
              await noteCounts(tx, deps.clock(), inbound.id, plan.tally, null);
              counted = true;
            },
          })
        : [];
  } catch (error) {
    deps.log.error("inbound batch could not be recorded; the broker will deliver it again", {
      messages: deliveries.length,
      error: error instanceof Error ? error.message : String(error),
    });
    for (const delivery of deliveries) await delivery.retry();
    const tally: InboundTally = {
      received: deliveries.length,
      recorded: 0,
      duplicates: 0,
      rejected: 0,
      retried: deliveries.length,
    };
    await noteCounts(
      deps.db,
      deps.clock(),
      inbound.id,
      { ...tally, received: 0 },
      error instanceof Error ? error.message : String(error),
    ).catch(() => {});
    countInbound(deps, tally);
    return tally;
  }
  const { tally, acks, retries, rejections } = planOf(results);
  // Nothing was valid, so no transaction ran: nothing was recorded, and the counts and refusals are
  // written on their own. A failure here only costs them: the messages are settled all the same, or
  // the broker's prefetch would fill with messages nobody settles.
  if (!counted)
    try {
      await keepRefusals(deps.db, inbound.id, rejections, deps.clock());
      await noteCounts(deps.db, deps.clock(), inbound.id, tally, null);
    } catch (error) {
      deps.log.error("inbound counts and refusals could not be saved", { error: describeError(error) });
    }
  // The batch is committed: its acknowledgements go out together rather than one round trip each
  // (JetStream confirms every ack), before anything is handed back, which may close the channel.
  await Promise.all(acks.map((delivery) => delivery.ack()));
  for (const delivery of retries) await delivery.retry();
  for (const { delivery, reason } of rejections) {
    await delivery.reject(reason);
    deps.log.warn("inbound message rejected", {
      reason,
      routingKey: delivery.routingKey?.slice(0, 255) ?? null,
      messageId: delivery.messageId?.slice(0, 255) ?? null,
      bytes: delivery.body.byteLength,
    });
  }
  countInbound(deps, tally);
  return tally;
}

async function keepRefusals(
  db: Db | Tx,
  inboundId: string,
  rejections: { delivery: InboundDelivery; reason: string }[],
  at: Date,
) {
  if (rejections.length === 0) return;
  await db.insert(inboundRejections).values(
    rejections.map(({ delivery, reason }) => ({
      inboundId,
      at,
      reason,
      routingKey: delivery.routingKey?.slice(0, 1000) ?? null,
      messageId: delivery.messageId?.slice(0, 1000) ?? null,
      body: printable(delivery.body.subarray(0, BODY_EXCERPT).toString("utf8")),
    })),
  );
}

async function noteCounts(db: Db | Tx, at: Date, id: string, tally: InboundTally, error: string | null) {
  await db
    .update(inbounds)
    .set({
      received: sql`${inbounds.received} + ${tally.received}`,
      recorded: sql`${inbounds.recorded} + ${tally.recorded}`,
      duplicates: sql`${inbounds.duplicates} + ${tally.duplicates}`,
      rejected: sql`${inbounds.rejected} + ${tally.rejected}`,
      ...(tally.received > 0 ? { lastMessageAt: at } : {}),
      ...(error ? { lastError: error, lastErrorAt: at } : {}),
    })
    .where(sql`${inbounds.id} = ${id}`);
}

function countInbound({ metrics }: Pick<Deps, "metrics">, tally: InboundTally) {
  for (const outcome of ["recorded", "duplicates", "rejected", "retried"] as const)
    if (tally[outcome] > 0)
      metrics.inboundMessages.inc({ outcome: outcome === "duplicates" ? "duplicate" : outcome }, tally[outcome]);
}

/** Text an operator can read back: control characters (NUL included) shown as U+FFFD. */
function printable(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out += (code < 0x20 && ch !== "\n" && ch !== "\t") || code === 0x7f ? "\uFFFD" : ch;
  }
  return out;
}
