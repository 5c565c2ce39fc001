import type { Deps } from "../deps";
import {
  claimDeliveryById,
  claimDueDeliveries,
  recordDeliveryOutcomes,
  type DeliveryOutcome,
  type SendableDelivery,
} from "@/db/queries/deliveries";
import { SendError, type OutgoingMail } from "@/emails/transports/types";
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
  const now = deps.clock();
  const claimed = await claimDueDeliveries(deps.db, {
    now,
    leaseUntil: new Date(now.getTime() + deps.settings.leaseMs),
    limit,
  });
  let taken = false;
  return sendContinuously(deps, {
    next: async () => (taken ? null : ((taken = true), { rows: claimed, more: false })),
    low: 0,
    random,
  });
}

/**
 * Sends deliveries this sender holds, as fast as the mailer's connections allow: workers take the next
 * one as soon as they are free, and more are asked of `next` while `low` are still waiting, so the
 * connections never wait for a whole batch to finish before the next one is claimed and rendered.
 * `next` answers null, or `more: false`, when there is nothing left to take.
 */
export async function sendContinuously(
  deps: Deps,
  {
    next,
    low,
    depth = 1,
    random = Math.random,
    tally = { claimed: 0, sent: 0, failed: 0, dead: 0 },
  }: {
    next: () => Promise<{ rows: SendableDelivery[]; more: boolean } | null>;
    /** A number, or asked each time: a caller whose batches change size keeps it at one batch. */
    low: number | (() => number);
    /**
     * How many calls of `next` may run at once: with two, one batch is rendered while the database
     * writes the other's deliveries, so neither the render pool nor the database waits on the other.
     */
    depth?: number;
    random?: () => number;
    /** Counted into as the sends happen, so the caller can report progress while they go on. */
    tally?: DeliveryTally;
  },
): Promise<DeliveryTally> {
  const recorder = createOutcomeRecorder(deps);
  // A delivery whose lease is nearly over when its turn comes (a slow server, a busy render pool) is
  // left for whoever takes it once the lease runs out: sent now, it could be taken and sent again
  // while this send is still under way.
  const margin = deps.settings.leaseMs / 4;
  const nearlyOver = (delivery: SendingDelivery) =>
    delivery.leaseUntil !== null && deps.clock().getTime() > delivery.leaseUntil.getTime() - margin;
  let left = 0;
  const waiting: SendingDelivery[] = [];
  let more = true;
  const fetches = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  // A failed fetch is kept and rethrown by every worker, never left unhandled.
  const fetch = () => {
    const fetching: Promise<void> = next()
      .then(async (batch) => (batch ? { ...batch, rows: await composeForSending(deps, batch.rows) } : null))
      .then((batch) => {
        if (!batch) more = false;
        else {
          tally.claimed += batch.rows.length;
          waiting.push(...batch.rows);
          more = batch.more;
        }
      })
      .catch((error: unknown) => {
        failure = { error };
        more = false;
      })
      .finally(() => {
        fetches.delete(fetching);
      });
    fetches.add(fetching);
  };
  const worker = async () => {
    for (;;) {
      if (failure) throw failure.error;
      if (more && fetches.size < depth && waiting.length <= (typeof low === "number" ? low : low())) fetch();
      const delivery = waiting.shift();
      if (delivery && nearlyOver(delivery)) {
        left++;
        continue;
      }
      if (delivery) {
        const outcome = await sendOne(deps, delivery, random);
        tally[outcome.status]++;
        await recorder.add(outcome);
        continue;
      }
      if (fetches.size > 0) await Promise.race(fetches);
      else if (!more) return;
    }
  };
  // More workers than connections: while one waits on the database, the pool already sends the next
  // message. Every worker is waited for, so no send is still under way when the last outcomes are written.
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, deps.mailer.concurrency * 3) }, worker));
  // When a worker failed, a claim may still be under way: the pass ends only after it, so nothing this
  // sender started goes on once the caller has been told the pass is over.
  await Promise.allSettled([...fetches]);
  await recorder.flush();
  if (left > 0)
    deps.log.warn("deliveries whose lease was nearly over were left for the next sender", { deliveries: left });
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
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

// Outcomes are written as a group commit: a write starts once 200 wait and none is running, and what
// comes in meanwhile goes in the next one, so a slow database gets fewer, bigger statements (sends stop
// for it only past 1,000 waiting). A crash can repeat only the sends whose outcomes were not written
// yet, each with its Message-ID: at full speed a tenth of a second of sends. A straggler waits a second
// at most.
const FLUSH_SIZE = 200;
const MAX_PENDING = 1_000;
const FLUSH_MS = 1_000;

function createOutcomeRecorder({ db, log, metrics }: Pick<Deps, "db" | "log" | "metrics">) {
  let pending: DeliveryOutcome[] = [];
  let writing: Promise<void> = Promise.resolve();
  let busy = false;
  let timer: NodeJS.Timeout | null = null;
  // The first failed write: every later add throws it, so sending stops rather than going on with
  // outcomes nobody records (each would be sent again once its lease ran out).
  let failure: { error: unknown } | null = null;
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending;
    pending = [];
    // A failed write stays in the chain, so the next awaited flush (at the latest the final one) reports it.
    writing = writing.then(async () => {
      if (batch.length === 0) return;
      busy = true;
      try {
        const marked = await recordDeliveryOutcomes(db, batch);
        if (marked < batch.length)
          log.warn("deliveries whose lease ran out before their outcome was recorded were taken by another sender", {
            lost: batch.length - marked,
          });
      } catch (error) {
        failure ??= { error };
        throw error;
      } finally {
        busy = false;
      }
      if (pending.length >= FLUSH_SIZE) void flush().catch(() => {});
    });
    return writing;
  };
  return {
    async add(outcome: DeliveryOutcome) {
      if (failure) throw failure.error;
      pending.push(outcome);
      metrics.deliveries.inc({ status: outcome.status });
      if (pending.length >= MAX_PENDING) await flush();
      else if (pending.length >= FLUSH_SIZE && !busy) void flush().catch(() => {});
      else if (!timer) {
        timer = setTimeout(() => void flush().catch(() => {}), FLUSH_MS);
        timer.unref();
      }
    },
    flush,
  };
}

/** A delivery in a sender's hands: with its MIME bytes when the render workers built them. */
type SendingDelivery = SendableDelivery & { composed?: Uint8Array };

/** A delivery as one SMTP envelope: its own recipient, the headers every recipient sees. */
function outgoingOf(
  delivery: SendableDelivery,
  { messageIdDomain }: Pick<MailSettings, "messageIdDomain">,
): OutgoingMail {
  return {
    messageId: messageIdOf(delivery.id, messageIdDomain),
    envelope: { from: bareFrom(delivery.headers.from), to: [delivery.recipient] },
    headers: delivery.headers,
    subject: delivery.subject,
    html: delivery.html,
    text: delivery.text,
  };
}

/**
 * Builds the batch's messages in the render workers when the transport can send them built: MIME
 * encoding is most of what sending costs the event loop, which then only streams the bytes (and
 * serves requests). A message the pool could not build is built at its send, as before.
 */
async function composeForSending(
  { mailer, renderer, settings }: Pick<Deps, "mailer" | "renderer" | "settings">,
  rows: SendableDelivery[],
): Promise<SendingDelivery[]> {
  if (!mailer.sendComposed || rows.length === 0) return rows;
  const composed = await renderer.compose(rows.map((row) => outgoingOf(row, settings.mail)));
  return rows.map((row, i) => (composed[i] ? { ...row, composed: composed[i] } : row));
}

async function sendOne(
  { mailer, clock, settings: { mail: settings } }: Pick<Deps, "mailer" | "clock" | "settings">,
  delivery: SendingDelivery,
  random: () => number,
): Promise<DeliveryOutcome> {
  const mail = outgoingOf(delivery, settings);
  const messageId = mail.messageId;
  const startedAt = clock();
  const t0 = performance.now();
  let status: DeliveryOutcome["status"];
  let error: string | null = null;
  let response: string | null = null;
  try {
    const result =
      delivery.composed && mailer.sendComposed
        ? await mailer.sendComposed({ messageId, envelope: mail.envelope, raw: delivery.composed })
        : await mailer.send(mail);
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
