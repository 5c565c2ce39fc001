import type { Deps } from "../deps";
import { deleteActionReceiptsBefore } from "@/db/queries/action-receipts";
import { deleteCapturedMailsBefore } from "@/db/queries/captured-mails";
import { deleteSentDeliveriesBefore } from "@/db/queries/deliveries";
import { deleteJobRunsBefore } from "@/db/queries/job-runs";
import { deleteInboundRejectionsBefore, deleteSubscriptionAttemptsBefore } from "@/db/queries/subscriptions";
import { expandOutbox } from "./expand";
import { claimDueDeliveries } from "@/db/queries/deliveries";
import { sendContinuously, type DeliveryTally } from "./outbox";

/**
 * Renders queued mail into deliveries and sends them, then whatever else is due (retries, mail queued
 * by hand), until nothing is left or the pass's time is spent, so a cron-called pass answers before the
 * cron's own timeout; what is left waits for the next pass. The next batch is rendered (or claimed)
 * while the last half of the one before is still being sent, and rendered mail is written already
 * taken by this sender, so it is not claimed a second time.
 */
export async function deliverWithinBudget(
  deps: Deps,
  {
    budgetMs,
    batchSize = 500,
    onProgress,
    signal,
  }: {
    budgetMs: number;
    /** The largest batch: batches follow the send rate up to it (see `batchSizer`). */
    batchSize?: number;
    onProgress?: (tally: DeliveryTally) => void | Promise<void>;
    /** Aborted when the process is stopping: nothing new is claimed after what is in hand. */
    signal?: AbortSignal;
  },
): Promise<DeliveryTally & { budgetSpent: boolean }> {
  const deadline = performance.now() + budgetMs;
  let budgetSpent = false;
  let outboxLeft = true;
  const tally: DeliveryTally = { claimed: 0, sent: 0, failed: 0, dead: 0 };
  const sizer = batchSizer(deps.settings.leaseMs, batchSize);
  await sendContinuously(deps, {
    tally,
    low: () => sizer.size,
    depth: 2,
    next: async () => {
      if (performance.now() >= deadline || signal?.aborted) {
        budgetSpent = true;
        return null;
      }
      // Sent mail only: refusals come back at once and would pass for a fast server.
      const limit = sizer.next(tally.sent);
      await onProgress?.({ ...tally });
      // Mail that did not render is counted by the job, with the events it belongs to.
      if (outboxLeft) {
        const expanded = await expandOutbox(deps, { limit, send: true });
        outboxLeft = expanded.claimed >= limit;
        if (expanded.toSend.length > 0 || outboxLeft) return { rows: expanded.toSend, more: true };
      }
      const now = deps.clock();
      const due = await claimDueDeliveries(deps.db, {
        now,
        leaseUntil: new Date(now.getTime() + deps.settings.leaseMs),
        limit,
      });
      return { rows: due, more: due.length >= limit };
    },
  });
  await onProgress?.(tally);
  return { ...tally, budgetSpent };
}

/**
 * The size of the next batch. Mail in hand (up to three batches) must go out well within its lease, or
 * another sender takes it again and it is sent twice; bigger batches cost the database fewer
 * statements. So batches start small and follow the send rate: as many as go out in a sixth of the
 * lease, between 10 and `max`, growing at most twofold from one batch to the next.
 */
export function batchSizer(leaseMs: number, max: number, now: () => number = () => performance.now()) {
  const min = Math.min(10, max);
  let size = Math.min(100, max);
  let last: { at: number; done: number } | null = null;
  return {
    get size() {
      return size;
    },
    /** Called as a batch is fetched, with how many sends have finished so far. */
    next(done: number): number {
      const at = now();
      if (last && at > last.at && done > last.done) {
        const perMs = (done - last.done) / (at - last.at);
        // At most double at a time: one quick stretch is not yet the server's pace.
        size = Math.max(min, Math.min(max, size * 2, Math.floor((perMs * leaseMs) / 6)));
      }
      last = { at, done };
      return size;
    },
  };
}

export type RetentionTally = {
  deliveries: number;
  capturedMails: number;
  jobRuns: number;
  destinationAttempts: number;
  inboundRejections: number;
  actionReceipts: number;
};

/**
 * Deletes, in batches, sent deliveries, captured mails and finished job runs older than the retention
 * age. Never a queued, failed or dead delivery: those are work, or evidence.
 */
export async function sweepRetention(
  { db, clock, settings }: Pick<Deps, "db" | "clock" | "settings">,
  { batchSize = 1000, budgetMs = 5_000 }: { batchSize?: number; budgetMs?: number } = {},
): Promise<RetentionTally> {
  const before = new Date(clock().getTime() - settings.retentionDays * 86_400_000);
  const deadline = performance.now() + budgetMs;
  const tally: RetentionTally = {
    deliveries: 0,
    capturedMails: 0,
    jobRuns: 0,
    destinationAttempts: 0,
    inboundRejections: 0,
    actionReceipts: 0,
  };
  const sweep = async (key: keyof RetentionTally, remove: () => Promise<number>) => {
    for (;;) {
      const n = await remove();
      tally[key] += n;
      if (n < batchSize || performance.now() >= deadline) return;
    }
  };
  await sweep("deliveries", () => deleteSentDeliveriesBefore(db, { before, limit: batchSize }));
  await sweep("capturedMails", () => deleteCapturedMailsBefore(db, { before, limit: batchSize }));
  await sweep("jobRuns", () => deleteJobRunsBefore(db, { before, limit: batchSize }));
  await sweep("destinationAttempts", () => deleteSubscriptionAttemptsBefore(db, { before, limit: batchSize }));
  await sweep("inboundRejections", () => deleteInboundRejectionsBefore(db, { before, limit: batchSize }));
  await sweep("actionReceipts", () => deleteActionReceiptsBefore(db, { before, limit: batchSize }));
  return tally;
}
