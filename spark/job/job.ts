import { hostname } from "node:os";
import type { Database } from "@/db/client";
import { countUnrenderedDeliveriesOfJobRun } from "@/db/queries/deliveries";
import { listActiveGenerators } from "@/db/queries/generators";
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
import { checkConditions, compileConditions, type CandidateTest } from "../generators/conditions";
import { recordEvents, type NewEvent } from "../events/record";
import { createHandlerMatcher, type Handler } from "../events/handlers";
import type { Logger } from "../logger";
import { codeSources } from "../sources/registry";
import { resolveSource } from "../sources/resolve";
import type { Connections } from "../connections";
import type { CodeSource, SourceContext } from "../sources/types";

export type { JobSummary };

export type JobInput = {
  database: Database;
  clock: () => Date;
  log: Logger;
  trigger: JobTrigger;
  handlers?: readonly Handler[];
  sources?: readonly CodeSource[];
  /** Where SQL sources (and code sources such as the demo's) read from. */
  connections?: Connections;
  batchSize?: number;
  /** Without the lease, overlapping passes still record each key once; the lease only saves the work. */
  useLease?: boolean;
  leaseMs?: number;
  startedBy?: string | null;
  onProgress?: (progress: JobProgress & { runId: number }) => void;
  /** Handlers built for this pass only, after the lease is taken: the mail handler with the templates of this moment. */
  passHandlers?: () => Promise<Handler[]>;
  /** After the events: what else the pass does (sending due mail), reporting its own progress. */
  afterEvents?: (ctx: {
    runId: number;
    progress: (p: Partial<JobProgress>) => Promise<void>;
  }) => Promise<{ deliveries: JobSummary["deliveries"]; errors: JobError[] }>;
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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One pass: every active generator reads its source (each source once, however many generators use it),
 * keeps the candidates that meet its conditions, and records them as events; handlers run on the new ones
 * in the same transaction. A broken source or generator fails alone and is recorded; the rest go on.
 */
export async function runJob(input: JobInput): Promise<JobSummary> {
  const { database, clock, log, trigger } = input;
  const db = database.db;
  const startedAt = clock();
  const t0 = performance.now();
  const runId = await insertJobRun(db, { trigger, startedAt, startedBy: input.startedBy ?? null });
  const holder = `${hostname()}:${process.pid}:${runId}`;
  const leaseMs = input.leaseMs ?? 120_000;
  const progress: JobProgress = { phase: "starting", candidates: 0, recorded: 0, seen: 0 };
  const errors: JobError[] = [];
  const counts: GeneratorCounts[] = [];
  const groups: JobSummary["groups"] = {};
  let deliveries: JobSummary["deliveries"] = { sent: 0, failed: 0, dead: 0 };

  const finish = async (status: JobSummary["status"], message?: string): Promise<JobSummary> => {
    const durationMs = Math.round(performance.now() - t0);
    const recorded = counts.reduce((n, c) => n + c.recorded, 0);
    const seen = counts.reduce((n, c) => n + c.seen, 0);
    const summary: JobSummary = {
      runId,
      status,
      trigger,
      ...(message ? { message } : {}),
      events: { recorded, seen },
      deliveries,
      generators: counts,
      groups,
      errors,
      durationMs,
    };
    progress.phase = "done";
    await finishJobRun(db, { id: runId, status, finishedAt: clock(), durationMs, summary, progress });
    return summary;
  };

  if (input.useLease !== false) {
    const previous = await findJobLease(db);
    const now = clock();
    if (!(await acquireJobLease(db, { runId, holder, now, expiresAt: new Date(now.getTime() + leaseMs) }))) {
      return finish("skipped", `skipped: another run (#${previous?.runId ?? "?"}) is in progress`);
    }
    if (previous?.runId && previous.runId !== runId) await markJobRunAbandoned(db, { id: previous.runId, at: now });
  }

  let lastWrite = 0;
  const report = async (force = false) => {
    input.onProgress?.({ ...progress, runId });
    const now = performance.now();
    if (!force && now - lastWrite < 500) return;
    lastWrite = now;
    await updateJobRunProgress(db, { id: runId, progress });
    if (input.useLease !== false) await renewJobLease(db, { holder, expiresAt: new Date(clock().getTime() + leaseMs) });
  };

  try {
    const generators = await listActiveGenerators(db);
    const bySource = new Map<string, Generator[]>();
    for (const g of generators) bySource.set(g.source, [...(bySource.get(g.source) ?? []), g]);
    const handlers = [...(input.handlers ?? []), ...((await input.passHandlers?.()) ?? [])];
    const matcher = createHandlerMatcher(handlers);
    const ctx: SourceContext = { db, clock, batchSize: input.batchSize ?? 1000, connections: input.connections };
    progress.phase = "reading sources";
    await report(true);

    for (const [ref, group] of bySource) {
      const live: { generator: Generator; counts: GeneratorCounts; test: CandidateTest }[] = [];
      const fail = (generator: Generator, c: GeneratorCounts, message: string) => {
        c.error = message;
        errors.push({ where: `generator ${generator.name}`, generatorId: generator.id, message });
      };
      let source;
      try {
        source = await resolveSource(ref, {
          database,
          registry: input.sources ?? codeSources,
          connections: input.connections,
        });
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

      try {
        for await (const batch of prefetched(source.batches(ctx))) {
          const pending: NewEvent[] = [];
          const owners: GeneratorCounts[] = [];
          for (const { generator, counts: c, test } of live) {
            c.candidates += batch.length;
            for (const candidate of batch) {
              if (!test(candidate.context)) continue;
              c.passed++;
              pending.push({
                group: generator.group,
                key: `${generator.group}:${candidate.id}`,
                context: candidate.context,
                generatorId: generator.id,
                source: ref,
              });
              owners.push(c);
            }
          }
          progress.candidates += batch.length;
          const outcome = await recordEvents(
            { db, clock, log },
            { events: pending, handlers, jobRunId: runId, matcher },
          );
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
          for (const f of outcome.failed)
            errors.push({ where: `handler ${f.handler}`, key: f.key, message: f.message });
          progress.recorded += outcome.recorded.length;
          progress.seen += outcome.seen;
          await report();
        }
      } catch (error) {
        for (const { generator, counts: c } of live) fail(generator, c, `Source ${source.label}: ${messageOf(error)}`);
      }
    }
    if (input.afterEvents) {
      progress.phase = "delivering";
      await report(true);
      try {
        const after = await input.afterEvents({
          runId,
          progress: async (p) => {
            Object.assign(progress, p);
            await report();
          },
        });
        deliveries = after.deliveries;
        errors.push(...after.errors);
      } catch (error) {
        errors.push({ where: "delivery", message: messageOf(error) });
      }
    }
    progress.phase = "finishing";
    await report(true);
    // A template that did not render leaves a dead delivery no sender ever claims: count it here.
    const unrendered = await countUnrenderedDeliveriesOfJobRun(db, { jobRunId: runId });
    deliveries = { ...deliveries, dead: deliveries.dead + unrendered };
    return await finish(errors.length > 0 ? "error" : "ok");
  } catch (error) {
    log.error("job run failed", { runId, error: messageOf(error) });
    errors.push({ where: "job", message: messageOf(error) });
    return await finish("error").catch(
      () =>
        ({
          runId,
          status: "error",
          trigger,
          events: { recorded: 0, seen: 0 },
          deliveries: { sent: 0, failed: 0, dead: 0 },
          generators: counts,
          groups,
          errors,
          durationMs: Math.round(performance.now() - t0),
        }) as JobSummary,
    );
  } finally {
    if (input.useLease !== false) await releaseJobLease(db, { holder }).catch(() => {});
  }
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

/** The one-line JSON summary printed by the CLI and answered by the route, as DESIGN.md gives it. */
export function summaryLine(summary: JobSummary): string {
  return JSON.stringify(summary);
}
