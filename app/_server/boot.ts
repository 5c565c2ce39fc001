import { DatabaseOpenError } from "@/db/errors";
import { ConfigError, loadConfig } from "@/runtime/config";
import { announceFirstAdmin, openRuntime, type Runtime } from "@/runtime/compose";
import { startScheduler, type Scheduler } from "@/runtime/scheduler";
import { writeServerFile } from "@/runtime/server-file";
import { runJob } from "@/spark/job/job";
import { createConsoleLogger, describeError } from "@/spark/logger";

export type Engine = Runtime & {
  /** The secret `npm run job` uses to ask this server for a pass (embedded database only). */
  internalSecret: string | null;
  scheduler: Scheduler | null;
};

// Next may load this module once per route bundle; the engine, and with it the locked embedded
// database, must exist once per process, so it lives on globalThis.
const ENGINE = Symbol.for("spark.engine");
type Holder = { [ENGINE]?: Promise<Engine> };

export function getEngine(): Promise<Engine> {
  const holder = globalThis as Holder;
  holder[ENGINE] ??= bootEngine();
  return holder[ENGINE];
}

async function bootEngine(): Promise<Engine> {
  const log = createConsoleLogger();
  const config = loadConfig();
  const runtime = await openRuntime(config, { log });
  const { database, deps } = runtime;
  log.info(`Spark database: ${database.driver} at ${database.location}`);
  await announceFirstAdmin(runtime);
  log.info(`Mail goes to ${deps.mailer.description}.`);
  // Builds the sample image on a first start and warms a worker, so the first Run now does not wait for it.
  void deps.connections
    .sample()
    .head("select 1 as id", 1)
    .catch((error: unknown) => log.warn("The sample database did not start", { error }));
  const internalSecret =
    database.driver === "pglite" ? writeServerFile(config.dataDir, { port: config.port }).secret : null;
  const scheduler =
    config.scheduleSeconds > 0
      ? startScheduler({
          everySeconds: config.scheduleSeconds,
          log,
          pass: async () => {
            const summary = await runJob(deps, { trigger: "schedule" });
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
  const closeOnSignal = (signal: NodeJS.Signals) => {
    scheduler?.stop();
    void runtime.close().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGTERM", closeOnSignal);
  process.once("SIGINT", closeOnSignal);
  return { ...runtime, internalSecret, scheduler };
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
