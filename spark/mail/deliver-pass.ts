import type { Deps } from "../deps";
import { deleteCapturedMailsBefore } from "@/db/queries/captured-mails";
import { deleteSentDeliveriesBefore } from "@/db/queries/deliveries";
import { deleteJobRunsBefore } from "@/db/queries/job-runs";
import { expandOutbox } from "./expand";
import { deliverDue, type DeliveryTally } from "./outbox";

/**
 * Renders queued mail into deliveries and sends what is due, again and again until nothing is left or
 * the pass's time is spent, so a cron-called pass answers before the cron's own timeout; what is
 * left waits for the next pass. Rendering a batch and sending the one before overlap.
 */
export async function deliverWithinBudget(
  deps: Deps,
  {
    budgetMs,
    batchSize = 100,
    onProgress,
    signal,
  }: {
    budgetMs: number;
    batchSize?: number;
    onProgress?: (tally: DeliveryTally) => void | Promise<void>;
    /** Aborted when the process is stopping: no new batch is claimed after the one in hand. */
    signal?: AbortSignal;
  },
): Promise<DeliveryTally & { budgetSpent: boolean }> {
  const total: DeliveryTally = { claimed: 0, sent: 0, failed: 0, dead: 0 };
  const deadline = performance.now() + budgetMs;
  const nothing = Promise.resolve({ claimed: 0, queued: 0, dead: 0 });
  let expanding = expandOutbox(deps, { limit: batchSize });
  for (;;) {
    // Mail that did not render is counted by the job, with the events it belongs to.
    const outboxLeft = (await expanding).claimed >= batchSize;
    if (performance.now() >= deadline || signal?.aborted) return { ...total, budgetSpent: true };
    // The next batch renders while this one is sent.
    expanding = outboxLeft ? expandOutbox(deps, { limit: batchSize }) : nothing;
    const tally = await deliverDue(deps, { limit: batchSize });
    total.claimed += tally.claimed;
    total.sent += tally.sent;
    total.failed += tally.failed;
    total.dead += tally.dead;
    await onProgress?.(total);
    if (!outboxLeft && tally.claimed < batchSize) return { ...total, budgetSpent: false };
  }
}

export type RetentionTally = { deliveries: number; capturedMails: number; jobRuns: number };

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
  const tally: RetentionTally = { deliveries: 0, capturedMails: 0, jobRuns: 0 };
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
  return tally;
}
