import type { Database } from "@/db/client";
import { claimDeliveryById, claimDueDeliveries, insertDeliveryAttempt, markDeliveryFailed, markDeliverySent } from "@/db/queries/deliveries";
import type { Delivery } from "@/db/schema";
import { SendError, type Mailer } from "@/emails/transports/types";
import type { Logger } from "../logger";
import { messageIdOf } from "./message-id";
import type { MailSettings } from "./settings";

export type DeliveryTally = { claimed: number; sent: number; failed: number; dead: number };

/**
 * The wait before attempt `attempt + 1`: exponential from the base, capped, with full jitter in its
 * upper half so a burst of failures does not come back as a burst.
 */
export function backoffMs(attempt: number, { backoffBaseMs, backoffCapMs }: Pick<MailSettings, "backoffBaseMs" | "backoffCapMs">, random: () => number = Math.random): number {
  const ceiling = Math.min(backoffCapMs, backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

type DeliverInput = {
  database: Database;
  mailer: Mailer;
  clock: () => Date;
  settings: MailSettings;
  limit: number;
  log?: Logger;
  random?: () => number;
};

/**
 * Sends what is due, at most `limit` deliveries: claims them (SKIP LOCKED and a lease, so concurrent
 * senders never take the same row), sends outside any transaction, then records each outcome. A crash
 * between a send and its mark is the only way a message goes out twice, and its Message-ID is the same.
 */
export async function deliverDue({ database, mailer, clock, settings, limit, log, random = Math.random }: DeliverInput): Promise<DeliveryTally> {
  const now = clock();
  const claimed = await claimDueDeliveries(database.db, { now, leaseUntil: new Date(now.getTime() + settings.leaseMs), limit });
  const tally: DeliveryTally = { claimed: claimed.length, sent: 0, failed: 0, dead: 0 };
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const delivery = claimed[next++]!;
      const outcome = await sendOne(delivery, { database, mailer, clock, settings, random, log });
      tally[outcome]++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(mailer.concurrency, claimed.length)) }, worker));
  return tally;
}

/** Sends one queued or failed delivery now (a test send, "retry now"); null when another sender has it. */
export async function deliverNow({ database, mailer, clock, settings, id, log, random = Math.random }: Omit<DeliverInput, "limit"> & { id: number }): Promise<"sent" | "failed" | "dead" | null> {
  const now = clock();
  const delivery = await claimDeliveryById(database.db, { id, now, leaseUntil: new Date(now.getTime() + settings.leaseMs) });
  return delivery ? sendOne(delivery, { database, mailer, clock, settings, random, log }) : null;
}

async function sendOne(
  delivery: Delivery,
  { database, mailer, clock, settings, random, log }: Required<Pick<DeliverInput, "database" | "mailer" | "clock" | "settings" | "random">> & { log?: Logger },
): Promise<"sent" | "failed" | "dead"> {
  const messageId = messageIdOf(delivery.id, settings.messageIdDomain);
  const startedAt = clock();
  const t0 = performance.now();
  let outcome: "sent" | "failed" | "dead";
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
    outcome = "sent";
  } catch (failure) {
    const e = failure instanceof SendError ? failure : new SendError(failure instanceof Error ? failure.message : String(failure), false);
    error = e.message;
    response = e.response ?? null;
    outcome = e.permanent || delivery.attempts >= settings.maxAttempts ? "dead" : "failed";
    if (outcome === "dead" && !e.permanent) error = `${error} (gave up after ${delivery.attempts} attempts)`;
  }
  const at = clock();
  const durationMs = Math.round(performance.now() - t0);
  const recorded =
    outcome === "sent"
      ? await markDeliverySent(database.db, { id: delivery.id, attempt: delivery.attempts, at, messageId, response: response ?? "" })
      : await markDeliveryFailed(database.db, {
          id: delivery.id,
          attempt: delivery.attempts,
          at,
          status: outcome,
          nextAttemptAt: outcome === "failed" ? new Date(at.getTime() + backoffMs(delivery.attempts, settings, random)) : at,
          error: error ?? "",
          response,
          messageId,
        });
  if (!recorded) log?.warn("a delivery's lease ran out before its outcome was recorded; another sender took it", { deliveryId: delivery.id });
  await insertDeliveryAttempt(database.db, { deliveryId: delivery.id, attempt: delivery.attempts, startedAt, durationMs, outcome, error, smtpResponse: response });
  return outcome;
}

function bareFrom(from: string): string {
  const match = /<([^>]+)>\s*$/.exec(from);
  return (match ? match[1]! : from).trim();
}
