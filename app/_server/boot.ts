import { DatabaseOpenError } from "@/db/errors";
import { vacuumAnalyze } from "@/db/maintenance";
import { ConfigError, loadConfig } from "@/runtime/config";
import { announceFirstAdmin, openRuntime, type Runtime } from "@/runtime/compose";
import { startDispatcher } from "@/runtime/dispatcher";
import { startInbounds } from "@/runtime/inbounds";
import { closeRelays } from "@/spark/brokers/relays";
import { startScheduler, type Scheduler } from "@/runtime/scheduler";
import { writeServerFile } from "@/runtime/server-file";
import { releaseStoppedPass, runJob, type JobInput, type JobSummary } from "@/spark/job/job";
import { createLogger, describeError } from "@/spark/logger";

export type Engine = Runtime & {
  /** The secret `npm run job` uses to ask this server for a pass (embedded database only). */
  internalSecret: string | null;
  scheduler: Scheduler | null;
  /**
   * Runs a pass in this server (the scheduler, cron, Run now, `npm run job`): one the shutdown knows
   * about, so SIGTERM stops it at its next batch and waits for it to close its run and release the lease.
   */
  runPass(input: Omit<JobInput, "signal">): Promise<JobSummary>;
};

/** Refused by a server that is stopping: a pass started now could not finish. */
export class StoppingError extends Error {
  override name = "StoppingError";
  constructor() {
    super("The server is shutting down; the pass was not started.");
  }
}

// Next may load this module once per route bundle; the engine, and with it the locked embedded
// database, must exist once per process, so it lives on globalThis.
const ENGINE = Symbol.for("spark.engine");
/** How often the embedded database is vacuumed and analyzed (PostgreSQL's autovacuum does its own). */
const STATISTICS_EVERY_SECONDS = 600;
type Holder = { [ENGINE]?: Promise<Engine> };

export function getEngine(): Promise<Engine> {
  const holder = globalThis as Holder;
  holder[ENGINE] ??= bootEngine();
  return holder[ENGINE];
}

async function bootEngine(): Promise<Engine> {
  // The configuration first: a bad SPARK_LOG_LEVEL is a startup error like any other setting.
  const config = loadConfig();
  const log = createLogger(config.log);
  const runtime = await openRuntime(config, { log });
  const { database, deps } = runtime;
  log.info(`Spark database: ${database.driver} at ${database.location}`);
  await announceFirstAdmin(runtime);
  log.info(`Mail goes to ${deps.mailer.description}.`);
  // Builds the sample image on a first start and warms a worker, so the first Run now does not wait for
  // it — with the demo only: otherwise it starts when a source first reads it, and costs nothing before.
  if (config.demo)
    void deps.connections
      .sample()
      .head("select 1 as id", 1)
      .catch((error: unknown) => log.warn("The sample database did not start", { error }));
  // In-flight passes, so a stopping server can let them finish their batch and release their leases.
  const stopping = new AbortController();
  const inFlight = new Map<Promise<unknown>, { runId: number | null }>();
  const runPass = (input: Omit<JobInput, "signal">): Promise<JobSummary> => {
    if (stopping.signal.aborted) return Promise.reject(new StoppingError());
    const tracked = { runId: null as number | null };
    const pass = runJob(deps, {
      ...input,
      signal: stopping.signal,
      onProgress: (progress) => {
        tracked.runId = progress.runId;
        input.onProgress?.(progress);
      },
    });
    inFlight.set(pass, tracked);
    void pass.finally(() => inFlight.delete(pass)).catch(() => {});
    return pass;
  };
  const internalSecret =
    database.driver === "pglite" ? writeServerFile(config.dataDir, { port: config.port }).secret : null;
  const scheduler =
    config.scheduleSeconds > 0
      ? startScheduler({
          everySeconds: config.scheduleSeconds,
          log,
          pass: async () => {
            const summary = await runPass({ trigger: "schedule" });
            if (summary.status !== "skipped")
              log.info("scheduled pass", {
                runId: summary.runId,
                status: summary.status,
                events: summary.events,
                errors: summary.errors.length,
              });
          },
        })
      : null;
  if (!scheduler) log.info("Scheduler off (SPARK_SCHEDULE_SECONDS=0): call POST /api/jobs/run from cron.");
  // PGlite has no autovacuum: the server vacuums it and refreshes the planner's statistics itself.
  const statistics =
    database.driver === "pglite"
      ? startScheduler({
          everySeconds: STATISTICS_EVERY_SECONDS,
          firstDelayMs: 60_000,
          log,
          pass: async () => {
            const t0 = performance.now();
            await vacuumAnalyze(database.db);
            log.debug("embedded database vacuumed and analyzed", { ms: Math.round(performance.now() - t0) });
          },
        })
      : null;
  // Subscriptions are served all the time, not by job passes: the database notifies when events
  // commit, so they reach their destinations moments later.
  const dispatcher = startDispatcher({ deps, listen: database.listen });
  // Inbounds consume their queues here too, acknowledging each message after its event commits.
  const consumers = startInbounds({ deps });
  // SIGTERM or SIGINT: no new pass, the running ones stop at their next batch, close their runs and
  // release the job lease; then the database and the workers are closed and the process exits. All of
  // it within the lease time, which is how long another instance would otherwise wait for this one's
  // work: a pass still busy near its end (a send that has not answered) has its run closed and its
  // lease released for it, and a close that hangs is cut short.
  // `npm start` sets NEXT_MANUAL_SIG_HANDLE, so Next's own handler does not exit first.
  const closeOnSignal = (signal: NodeJS.Signals) => {
    log.info(`${signal}: stopping (running passes finish their batch, then the database closes)…`);
    scheduler?.stop();
    statistics?.stop();
    stopping.abort();
    const graceMs = Math.max(1_000, deps.settings.leaseMs - 2_000);
    const code = signal === "SIGINT" ? 130 : 143;
    setTimeout(() => process.exit(code), Math.max(2_000, deps.settings.leaseMs - 500)).unref();
    let timer: NodeJS.Timeout | undefined;
    const waited = Promise.race([
      Promise.allSettled([
        ...inFlight.keys(),
        dispatcher.stop().then(closeRelays),
        consumers.stop(),
        // A vacuum under way ends before the database closes.
        statistics?.idle(),
      ]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    void waited
      .then(async () => {
        clearTimeout(timer);
        // Passes still busy after the grace (a send that has not answered) let go of their run and lease now.
        for (const { runId } of inFlight.values())
          if (runId !== null) await releaseStoppedPass(deps, { runId }).catch(() => {});
      })
      .then(() => runtime.close())
      .catch((error: unknown) => log.error("closing failed", { error: describeError(error) }))
      // 128 + the signal's number, as a process ended by it reports; exiting here rather than raising it
      // again, since any other listener for it would keep the process alive.
      .finally(() => process.exit(code));
  };
  process.once("SIGTERM", closeOnSignal);
  process.once("SIGINT", closeOnSignal);
  return { ...runtime, internalSecret, scheduler, runPass };
}

/** For the server's start: a setting or database problem is one line and exit code 1, not a stack trace. */
export async function bootOrExit(): Promise<void> {
  try {
    await getEngine();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DatabaseOpenError) {
      process.stderr.write(`spark: ${error.message}\n`);
    } else {
      process.stderr.write(`spark: could not start: ${describeError(error)}\n`);
    }
    process.exit(1);
  }
}
