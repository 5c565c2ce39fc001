import type { Deps } from "../deps";
import {
  claimDeliveryById,
  claimDueDeliveries,
  recordDeliveryOutcomes,
  type DeliveryOutcome,
} from "@/db/queries/deliveries";
import type { Delivery } from "@/db/schema";
import { SendError } from "@/emails/transports/types";
import { messageIdOf } from "./message-id";
import type { MailSettings } from "./settings";

export type DeliveryTally = { claimed: number; sent: number; failed: number; dead: number };

/**
 * The wait before attempt `attempt + 1`: exponential from the base, capped, with full jitter in its
 * upper half so a burst of failures does not come back as a burst.
 */
export function backoffMs(
  attempt: number,
  { backoffBaseMs, backoffCapMs }: Pick<MailSettings, "backoffBaseMs" | "backoffCapMs">,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoffCapMs, backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Sends what is due, at most `limit` deliveries: claims them (SKIP LOCKED and a lease, so concurrent
 * senders never take the same row), sends outside any transaction, then records each outcome. A crash
 * between a send and its mark is the only way a message goes out twice, and its Message-ID is the same.
 */
export async function deliverDue(
  deps: Deps,
  { limit, random = Math.random }: { limit: number; random?: () => number },
): Promise<DeliveryTally> {
  const { mailer } = deps;
  const now = deps.clock();
  const claimed = await claimDueDeliveries(deps.db, {
    now,
    leaseUntil: new Date(now.getTime() + deps.settings.leaseMs),
    limit,
  });
  const tally: DeliveryTally = { claimed: claimed.length, sent: 0, failed: 0, dead: 0 };
  const recorder = createOutcomeRecorder(deps);
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const outcome = await sendOne(deps, claimed[next++]!, random);
      tally[outcome.status]++;
      await recorder.add(outcome);
    }
  };
  // More workers than connections: while one waits on the database, the pool already sends the next message.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(mailer.concurrency * 3, claimed.length)) }, worker));
  await recorder.flush();
  return tally;
}

/** Sends one queued or failed delivery now (a test send, "retry now"); null when another sender has it. */
export async function deliverNow(
  deps: Deps,
  { id, random = Math.random }: { id: number; random?: () => number },
): Promise<"sent" | "failed" | "dead" | null> {
  const now = deps.clock();
  const delivery = await claimDeliveryById(deps.db, {
    id,
    now,
    leaseUntil: new Date(now.getTime() + deps.settings.leaseMs),
  });
  if (!delivery) return null;
  const outcome = await sendOne(deps, delivery, random);
  const recorder = createOutcomeRecorder(deps);
  await recorder.add(outcome);
  await recorder.flush();
  return outcome.status;
}

// Outcomes are written in small batches: one statement for many sends keeps the database from being
// the bottleneck. A crash can repeat at most the sends of one unwritten batch, each with its Message-ID.
const FLUSH_SIZE = 50;

function createOutcomeRecorder({ db, log }: Pick<Deps, "db" | "log">) {
  let pending: DeliveryOutcome[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = pending;
    pending = [];
    writing = writing.then(async () => {
      if (batch.length === 0) return;
      const marked = await recordDeliveryOutcomes(db, batch);
      if (marked < batch.length)
        log.warn("deliveries whose lease ran out before their outcome was recorded were taken by another sender", {
          lost: batch.length - marked,
        });
    });
    await writing;
  };
  return {
    async add(outcome: DeliveryOutcome) {
      pending.push(outcome);
      if (pending.length >= FLUSH_SIZE) await flush();
    },
    flush,
  };
}

async function sendOne(
  { mailer, clock, settings: { mail: settings } }: Pick<Deps, "mailer" | "clock" | "settings">,
  delivery: Delivery,
  random: () => number,
): Promise<DeliveryOutcome> {
  const messageId = messageIdOf(delivery.id, settings.messageIdDomain);
  const startedAt = clock();
  const t0 = performance.now();
  let status: DeliveryOutcome["status"];
  let error: string | null = null;
  let response: string | null = null;
  try {
    const result = await mailer.send({
      messageId,
      envelope: { from: bareFrom(delivery.headers.from), to: [delivery.recipient] },
      headers: delivery.headers,
      subject: delivery.subject,
      html: delivery.html,
      text: delivery.text,
    });
    response = result.response;
    status = "sent";
  } catch (failure) {
    const e =
      failure instanceof SendError
        ? failure
        : new SendError(failure instanceof Error ? failure.message : String(failure), false);
    error = e.message;
    response = e.response ?? null;
    status = e.permanent || delivery.attempts >= settings.maxAttempts ? "dead" : "failed";
    if (status === "dead" && !e.permanent) error = `${error} (gave up after ${delivery.attempts} attempts)`;
  }
  const at = clock();
  return {
    id: delivery.id,
    attempt: delivery.attempts,
    status,
    at,
    nextAttemptAt: status === "failed" ? new Date(at.getTime() + backoffMs(delivery.attempts, settings, random)) : at,
    error,
    response,
    messageId,
    startedAt,
    durationMs: Math.round(performance.now() - t0),
  };
}

function bareFrom(from: string): string {
  const match = /<([^>]+)>\s*$/.exec(from);
  return (match ? match[1]! : from).trim();
}
