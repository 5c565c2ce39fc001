import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { rowsOf } from "@/db/rows";
import { ensureFirstAdmin } from "../spark/accounts/accounts";
import type { SparkConfig } from "./config";
import { seedDemo, seedDemoData } from "../demo/seed";
import { createConnections, type Connections } from "../spark/connections";
import { buildSampleImage, createSamplePool, loadSampleImage } from "../spark/connections/sample";
import { syncEnvConnections } from "@/db/queries/connections";
import { handlers } from "../spark/handler-registry";
import { runJob, type JobInput, type JobSummary } from "../spark/job/job";
import type { Logger } from "../spark/logger";
import type { Mailer } from "@/emails/transports/types";
import type { JobError } from "@/db/schema";
import { createMailHandler } from "../spark/mail/handler";
import { mailSettingsOf } from "./mailer";
import { deliverWithinBudget, sweepRetention } from "../spark/mail/deliver-pass";

async function isFresh(database: Database): Promise<boolean> {
  const rows = rowsOf<{ found: boolean }>(
    await database.db.execute(sql`select to_regclass('public.users') is not null as found`),
  );
  return !rows[0]?.found;
}

/**
 * Opens and migrates the configured database: what every process does before it touches data. A new
 * embedded database also gets the demo (unless SPARK_DEMO=0), so a newcomer has something to run.
 */
export async function openMigratedDatabase(config: SparkConfig, log?: Logger): Promise<Database> {
  const database = await openDatabase(config.database);
  try {
    const fresh = await isFresh(database);
    await migrateDatabase(database);
    if (fresh && database.driver === "pglite" && config.demo) {
      const seeded = await seedDemo({ db: database.db, clock: () => new Date() });
      log?.info(
        `Seeded the demo: the generators ${seeded.generators.join(", ")} and ${seeded.templates.length} mail templates over the sample connection (SPARK_DEMO=0 skips this).`,
      );
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * Where SQL sources read from. The sample database's image (the demo application's data) is built in
 * the data directory on first use and then read from there; the environment's connections become rows
 * so sources can name them.
 */
export async function openConnections({
  config,
  database,
}: {
  config: SparkConfig;
  database: Database;
}): Promise<Connections> {
  await syncEnvConnections(
    database.db,
    config.connections.map(({ name, kind, host, port, database: db, username, ssl }) => ({
      name,
      kind,
      host,
      port,
      database: db,
      username,
      ssl,
    })),
  );
  return createConnections({
    db: database.db,
    secretKey: config.secretKey,
    env: config.connections,
    limits: { timeoutMs: config.sqlTimeoutMs },
    sample: async () =>
      createSamplePool(
        await loadSampleImage(config.dataDir, () =>
          buildSampleImage((exec) => seedDemoData(exec, new Date()).then(() => {})),
        ),
      ),
  });
}

/** After migration, a server makes sure an operator can get in, and says how on stdout. */
export async function announceFirstAdmin({
  database,
  config,
  log,
}: {
  database: Database;
  config: SparkConfig;
  log: Logger;
}) {
  const outcome = await ensureFirstAdmin(
    { db: database.db, clock: () => new Date() },
    { admin: config.admin, publicUrl: config.publicUrl },
  );
  if (outcome.kind === "created") log.info(`Created the first admin ${outcome.email} from SPARK_ADMIN_EMAIL.`);
  if (outcome.kind === "setup-link") {
    process.stdout.write(
      `\nSpark has no operators yet. Create the first admin at:\n\n  ${outcome.url}\n\n` +
        `The link works once and expires at ${outcome.expiresAt.toISOString()}; restart the server for a new one,\n` +
        `or run: npm run user -- create <email>\n\n`,
    );
  }
  return outcome;
}

export type PassOptions = Pick<JobInput, "startedBy" | "onProgress" | "useLease">;
export type RunPass = (trigger: JobInput["trigger"], options?: PassOptions) => Promise<JobSummary>;

/**
 * One job pass with the configured limits: generators (with the registered handlers and the mail
 * handler of this moment's templates), then due mail within the pass's time budget, then retention.
 * The same for the route, the CLI and the scheduler.
 */
export function createPassRunner({
  config,
  database,
  log,
  mailer,
  connections,
}: {
  config: SparkConfig;
  database: Database;
  log: Logger;
  mailer: Mailer;
  connections: Connections;
}): RunPass {
  const settings = mailSettingsOf(config);
  const clock = () => new Date();
  return (trigger, options = {}) => {
    const started = performance.now();
    return runJob({
      database,
      clock,
      log,
      trigger,
      handlers,
      connections,
      // A pass renews its lease as it reports progress; a crashed one frees the job after this long.
      leaseMs: config.mail.leaseMs,
      passHandlers: async () => {
        const mail = await createMailHandler({ database, settings });
        return mail ? [mail] : [];
      },
      afterEvents: async ({ progress }) => {
        const budgetMs = Math.max(1_000, config.jobBudgetMs - (performance.now() - started));
        const tally = await deliverWithinBudget({
          database,
          mailer,
          clock,
          settings,
          budgetMs,
          log,
          onProgress: (t) => progress({ sent: t.sent, failed: t.failed, dead: t.dead }),
        });
        const errors: JobError[] = [];
        try {
          const swept = await sweepRetention({ database, clock, retentionDays: config.retentionDays });
          if (swept.deliveries + swept.capturedMails + swept.jobRuns > 0)
            log.info("retention", { ...swept, olderThanDays: config.retentionDays });
        } catch (error) {
          errors.push({ where: "retention", message: error instanceof Error ? error.message : String(error) });
        }
        return { deliveries: { sent: tally.sent, failed: tally.failed, dead: tally.dead }, errors };
      },
      ...options,
    });
  };
}
