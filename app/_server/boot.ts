import type { Database } from "@/db/client";
import { DatabaseOpenError } from "@/db/errors";
import { ConfigError, loadConfig, type SparkConfig } from "@/spark/config";
import type { Deps } from "@/spark/deps";
import { createConsoleLogger } from "@/spark/logger";
import { announceFirstAdmin, openMigratedDatabase } from "@/spark/start";

export type Engine = { config: SparkConfig; database: Database; deps: Deps };

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
  const database = await openMigratedDatabase(config);
  log.info(`Spark database: ${database.driver} at ${database.location}`);
  await announceFirstAdmin({ database, config, log });
  const closeOnSignal = (signal: NodeJS.Signals) => {
    void database.close().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGTERM", closeOnSignal);
  process.once("SIGINT", closeOnSignal);
  return { config, database, deps: { db: database.db, clock: () => new Date(), log } };
}

/** For the server's start: a setting or database problem is one line and exit code 1, not a stack trace. */
export async function bootOrExit(): Promise<void> {
  try {
    await getEngine();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DatabaseOpenError) {
      process.stderr.write(`spark: ${error.message}\n`);
    } else {
      process.stderr.write(`spark: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exit(1);
  }
}
