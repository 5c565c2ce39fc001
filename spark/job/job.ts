import { hostname } from "node:os";
import { countUnrenderedDeliveriesOfJobRun } from "@/db/queries/deliveries";
import { listActiveGenerators } from "@/db/queries/generators";
import { listActiveOutboxSources } from "@/db/queries/outbox-sources";
import {
  acquireJobLease,
  finishJobRun,
  findJobLease,
  insertJobRun,
  markJobRunAbandoned,
  releaseJobLease,
  renewJobLease,
  updateJobRunProgress,
} from "@/db/queries/job-runs";
import type { Generator, GeneratorCounts, JobError, JobProgress, JobSummary, JobTrigger } from "@/db/schema";
import type { Deps } from "../deps";
import { eventKeyOf } from "../events/keys";
import { recordEvents, type NewEvent } from "../events/record";
import { createHandlerMatcher } from "../events/handlers";
import { checkConditions, compileConditions, type CandidateTest } from "../generators/conditions";
import { createMailHandler } from "../mail/handler";
import { deliverWithinBudget, sweepRetention } from "../mail/deliver-pass";
import { readOutboxSource } from "../outbox/read";
import { resolveSource } from "../sources/resolve";
import type { SourceCandidate, SourceContext } from "../sources/types";

export type { JobSummary };

export type JobInput = {
  trigger: JobTrigger;
  startedBy?: string | null;
  onProgress?: (progress: JobProgress & { runId: number }) => void;
  /**
   * Aborted when the process is stopping: the pass stops reading sources after the batch it is
   * recording and stops claiming mail after the batch it is sending, closes its run as stopped and
   * releases the job lease, so the next pass (here or elsewhere) starts at once instead of waiting for
   * the lease to run out.
   */
  signal?: AbortSignal;
};

/** The error a pass stopped by its signal records, so the run says why it has fewer figures. */
export const STOPPED_MESSAGE = "stopped early: the server was shutting down; the next pass carries on";

export type Generated = {
  counts: GeneratorCounts[];
  groups: JobSummary["groups"];
  errors: JobError[];
};

const emptyCounts = (g: Generator): GeneratorCounts => ({
  id: g.id,
  name: g.name,
  group: g.group,
  source: g.source,
  candidates: 0,
  passed: 0,
  recorded: 0,
  seen: 0,
  failed: 0,
});

/** Which Spark instance runs a pass, as the job runs list shows it: host and process id. */
export const instance = `${hostname()}:${process.pid}`;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The job: under the job lease (a pass that finds another running says so and stops), generate events,
 * send due mail within the pass's time budget, then sweep old rows. The same for the route, the CLI and
 * the scheduler; progress is written to the job run as it goes, renewing the lease.
 */
export async function runJob(given: Deps, input: JobInput): Promise<JobSummary> {
  const { db, clock, settings } = given;
  const { trigger } = input;
  const startedAt = clock();
  const t0 = performance.now();
  const runId = await insertJobRun(db, { trigger, startedAt, startedBy: input.startedBy ?? null, instance });
  const holder = `${instance}:${runId}`;
  // Every line the pass writes, its handlers' and senders' too, names its run.
  const log = given.log.child({ runId });
  const deps: Deps = { ...given, log };
  const progress: JobProgress = { phase: "starting", candidates: 0, recorded: 0, seen: 0 };
  let generated: Generated = { counts: [], groups: {}, errors: [] };
  const errors: JobError[] = [];
  let deliveries: JobSummary["deliveries"] = { sent: 0, failed: 0, dead: 0 };

  const summaryOf = (status: JobSummary["status"], message?: string): JobSummary => ({
    runId,
    status,
    trigger,
    ...(message ? { message } : {}),
    events: {
      recorded: generated.counts.reduce((n, c) => n + c.recorded, 0),
      seen: generated.counts.reduce((n, c) => n + c.seen, 0),
    },
    deliveries,
    generators: generated.counts,
    groups: generated.groups,
    errors: [...generated.errors, ...errors],
    durationMs: Math.round(performance.now() - t0),
  });
  const finish = async (status: JobSummary["status"], message?: string): Promise<JobSummary> => {
    const summary = summaryOf(status, message);
    progress.phase = "done";
    deps.metrics.jobDuration.observe({ status }, summary.durationMs / 1000);
    await finishJobRun(db, {
      id: runId,
      status,
      finishedAt: clock(),
      durationMs: summary.durationMs,
      summary,
      progress,
    });
    const line = {
      status,
      trigger,
      events: summary.events,
      deliveries,
      errors: summary.errors.length,
      durationMs: summary.durationMs,
    };
    if (status === "error") log.warn("job run finished with errors", { ...line, firstError: summary.errors[0] });
    else log.info(status === "skipped" ? "job run skipped" : "job run finished", line);
    return summary;
  };

  const previous = await findJobLease(db);
  const now = clock();
  if (!(await acquireJobLease(db, { runId, holder, now, expiresAt: new Date(now.getTime() + settings.leaseMs) }))) {
    // Read again: a pass that started with this one took the lease after `previous` was read.
    const holding = (await findJobLease(db)) ?? previous;
    return finish("skipped", `skipped: another run (#${holding?.runId ?? "?"}) is in progress`);
  }
  if (previous?.runId && previous.runId !== runId) await markJobRunAbandoned(db, { id: previous.runId, at: now });

  let lastWrite = 0;
  const report = async (force = false) => {
    input.onProgress?.({ ...progress, runId });
    const at = performance.now();
    if (!force && at - lastWrite < 500) return;
    lastWrite = at;
    await updateJobRunProgress(db, { id: runId, progress });
    await renewJobLease(db, { holder, expiresAt: new Date(clock().getTime() + settings.leaseMs) });
  };

  try {
    progress.phase = "reading sources";
    await report(true);
    generated = await generateEvents(deps, {
      jobRunId: runId,
      signal: input.signal,
      onBatch: async ({ candidates, recorded, seen }) => {
        progress.candidates += candidates;
        progress.recorded += recorded;
        progress.seen += seen;
        await report();
      },
    });
    progress.phase = "delivering";
    await report(true);
    try {
      const budgetMs = Math.max(1_000, settings.jobBudgetMs - (performance.now() - t0));
      const tally = await deliverWithinBudget(deps, {
        budgetMs,
        signal: input.signal,
        onProgress: async (t) => {
          Object.assign(progress, { sent: t.sent, failed: t.failed, dead: t.dead });
          await report();
        },
      });
      deliveries = { sent: tally.sent, failed: tally.failed, dead: tally.dead };
    } catch (error) {
      errors.push({ where: "delivery", message: messageOf(error) });
    }
    try {
      // Retention can wait for the next pass; a stopping server has no time to spare.
      const swept = input.signal?.aborted
        ? { deliveries: 0, capturedMails: 0, jobRuns: 0 }
        : await sweepRetention(deps);
      if (swept.deliveries + swept.capturedMails + swept.jobRuns > 0)
        log.info("retention", { ...swept, olderThanDays: settings.retentionDays });
    } catch (error) {
      errors.push({ where: "retention", message: messageOf(error) });
    }
    progress.phase = "finishing";
    await report(true);
    // A template that did not render leaves a dead delivery no sender ever claims: count it here.
    const unrendered = await countUnrenderedDeliveriesOfJobRun(db, { jobRunId: runId });
    deliveries = { ...deliveries, dead: deliveries.dead + unrendered };
    if (input.signal?.aborted) errors.push({ where: "job", message: STOPPED_MESSAGE });
    return await finish(generated.errors.length + errors.length > 0 ? "error" : "ok");
  } catch (error) {
    log.error("job run failed", { runId, error: messageOf(error) });
    errors.push({ where: "job", message: messageOf(error) });
    return await finish("error").catch(() => summaryOf("error"));
  } finally {
    await releaseJobLease(db, { holder }).catch(() => {});
  }
}

/**
 * The pass that holds the job lease now, if its lease is still live: "Run now" pressed again (a double
 * click, a second tab, a replayed request) follows that pass instead of starting one to be skipped.
 */
export async function findRunningPass(deps: Pick<Deps, "db" | "clock">): Promise<number | null> {
  const lease = await findJobLease(deps.db);
  return lease?.runId && lease.expiresAt && lease.expiresAt > deps.clock() ? lease.runId : null;
}

/**
 * For a process that must exit while its pass is still busy (a send that outlasts the shutdown's
 * grace): closes the run as stopped and releases the job lease the pass holds, so the next pass need
 * not wait for the lease to run out. Deliveries it was sending stay leased and are claimed again then.
 */
export async function releaseStoppedPass(deps: Pick<Deps, "db" | "clock">, { runId }: { runId: number }) {
  await markJobRunAbandoned(deps.db, { id: runId, at: deps.clock() });
  await releaseJobLease(deps.db, { holder: `${instance}:${runId}` });
}

/**
 * Every active generator reads its source (each source once, however many generators use it), keeps the
 * candidates that meet its conditions, and records them as events; then every active outbox source
 * records the rows its table gained, each with its own group and key. The registered handlers and the
 * mail handler of this moment's templates run on the new ones in the same transaction. A broken source,
 * generator or outbox table fails alone and is reported; the rest go on. It takes no lease: overlapping calls still
 * record each key once, which is what the job's lease only saves the work of.
 */
export async function generateEvents(
  deps: Deps,
  {
    jobRunId = null,
    onBatch,
    signal,
  }: {
    jobRunId?: number | null;
    onBatch?: (batch: { candidates: number; recorded: number; seen: number }) => Promise<void>;
    /** Stops before the next source or batch: what is recorded stays recorded, the rest waits for the next pass. */
    signal?: AbortSignal;
  } = {},
): Promise<Generated> {
  const { db, clock, settings, connections } = deps;
  const counts: GeneratorCounts[] = [];
  const groups: JobSummary["groups"] = {};
  const errors: JobError[] = [];
  const generators = await listActiveGenerators(db);
  const bySource = new Map<string, Generator[]>();
  for (const g of generators) bySource.set(g.source, [...(bySource.get(g.source) ?? []), g]);
  const mail = await createMailHandler(deps);
  const handlers = [...deps.handlers, ...(mail ? [mail] : [])];
  const matcher = createHandlerMatcher(handlers);
  const ctx: SourceContext = { db, clock, batchSize: settings.batchSize, connections };

  for (const [ref, group] of bySource) {
    if (signal?.aborted) break;
    const live: { generator: Generator; counts: GeneratorCounts; test: CandidateTest }[] = [];
    const fail = (generator: Generator, c: GeneratorCounts, message: string) => {
      c.error = message;
      errors.push({ where: `generator ${generator.name}`, generatorId: generator.id, message });
    };
    let source;
    try {
      source = await resolveSource(deps, { ref });
    } catch (error) {
      for (const generator of group) {
        const c = emptyCounts(generator);
        counts.push(c);
        fail(generator, c, `Source ${ref}: ${messageOf(error)}`);
      }
      continue;
    }
    for (const generator of group) {
      const c = emptyCounts(generator);
      counts.push(c);
      const problems = checkConditions(generator.conditions, source.variables);
      if (problems.length > 0) {
        fail(generator, c, `Condition ${problems[0]!.index + 1}: ${problems[0]!.message}`);
        continue;
      }
      live.push({ generator, counts: c, test: compileConditions(generator.conditions, source.variables).test });
    }
    if (live.length === 0) continue;

    // Two batches may be recorded at once, each in its own transaction, when nothing but the mail
    // handler runs on their events: on PostgreSQL the second insert runs on another core while the
    // first commits. Registered handlers may touch shared rows, so with them a batch waits its turn.
    const depth = live.every(({ generator }) => matcher(generator.group).every((h) => h === mail)) ? 2 : 1;
    const record = async (batch: SourceCandidate[]) => {
      const pending: NewEvent[] = [];
      const owners: GeneratorCounts[] = [];
      for (const { generator, counts: c, test } of live) {
        c.candidates += batch.length;
        for (const candidate of batch) {
          if (!test(candidate.context)) continue;
          c.passed++;
          pending.push({
            group: generator.group,
            key: eventKeyOf(generator.group, candidate.id),
            context: candidate.context,
            generatorId: generator.id,
            source: ref,
          });
          owners.push(c);
        }
      }
      const outcome = await recordWithRetry(deps, { events: pending, handlers, jobRunId, matcher });
      const recordedKeys = new Set(outcome.recorded.map((e) => e.key));
      const failedKeys = new Set(outcome.failed.map((f) => f.key));
      pending.forEach((event, i) => {
        const c = owners[i]!;
        const tally = (groups[event.group] ??= { recorded: 0, seen: 0 });
        if (recordedKeys.delete(event.key)) {
          c.recorded++;
          tally.recorded++;
        } else if (failedKeys.delete(event.key)) {
          c.failed++;
        } else {
          c.seen++;
          tally.seen++;
        }
      });
      for (const f of outcome.failed) errors.push({ where: `handler ${f.handler}`, key: f.key, message: f.message });
      await onBatch?.({ candidates: batch.length, recorded: outcome.recorded.length, seen: outcome.seen });
    };
    const recording = new Set<Promise<void>>();
    let failure: { error: unknown } | null = null;
    try {
      for await (const batch of prefetched(source.batches(ctx))) {
        if (signal?.aborted || failure) break;
        const done: Promise<void> = record(batch)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => recording.delete(done));
        recording.add(done);
        if (recording.size >= depth) await Promise.race(recording);
      }
      await Promise.all(recording);
      if (failure) throw (failure as { error: unknown }).error;
    } catch (error) {
      await Promise.all(recording);
      for (const { generator, counts: c } of live) fail(generator, c, `Source ${source.label}: ${messageOf(error)}`);
    }
  }

  // Listed after the generators ran, so a source switched on meanwhile is read in this pass.
  const outboxes = signal?.aborted ? [] : await listActiveOutboxSources(db);
  for (const outbox of outboxes) {
    if (signal?.aborted) break;
    // Each outbox row is counted like a candidate: read, passed (a valid event), recorded or seen.
    const read = await readOutboxSource(deps, outbox, { handlers, matcher, jobRunId, signal, onBatch });
    counts.push(read.counts);
    errors.push(...read.errors);
    for (const [group, tally] of Object.entries(read.groups)) {
      const total = (groups[group] ??= { recorded: 0, seen: 0 });
      total.recorded += tally.recorded;
      total.seen += tally.seen;
    }
  }
  return { counts, groups, errors };
}

/**
 * Records a batch, again when PostgreSQL chose its transaction as a deadlock's victim: two batches
 * recorded at once can cross on a key a source returned twice, and the one rolled back lost nothing.
 */
async function recordWithRetry(deps: Deps, input: Parameters<typeof recordEvents>[1]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await recordEvents(deps, input);
    } catch (error) {
      if (attempt >= 3 || !isDeadlock(error)) throw error;
    }
  }
}

function isDeadlock(error: unknown): boolean {
  for (let e = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause)
    if ((e as { code?: unknown }).code === "40P01") return true;
  return false;
}

/**
 * Asks for the next batch before the current one is processed, so reading the source (another
 * connection on Postgres) overlaps with recording events.
 */
async function* prefetched<T>(batches: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = batches[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      // Until it is awaited, a failed read must not count as an unhandled rejection.
      next.catch(() => {});
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}
