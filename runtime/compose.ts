import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { syncEnvConnections } from "@/db/queries/connections";
import { rowsOf } from "@/db/rows";
import { demoSources, seedDemo, seedDemoData } from "@/demo";
import * as extensions from "@/extensions";
import type { Mailer } from "@/emails/transports/types";
import { ensureFirstAdmin } from "@/spark/accounts/accounts";
import { createConnections, type Connections } from "@/spark/connections";
import { buildSampleImage, createSamplePool, loadSampleImage } from "@/spark/connections/sample";
import type { Deps, Settings } from "@/spark/deps";
import { checkHandlers, type Handler } from "@/spark/events/handlers";
import type { CodeSubscriber } from "@/spark/subscriptions/subscribers";
import { createMetrics, type Metrics } from "@/spark/metrics";
import type { Logger } from "@/spark/logger";
import { domainOf } from "@/spark/mail/message-id";
import { closeRenderPool, renderPool, type RenderPool } from "@/spark/mail/render-pool";
import type { CodeSource } from "@/spark/sources/types";
import type { SparkConfig } from "./config";
import { createMailer } from "./mailer";

/** The engine's settings, derived from the environment's once, here. */
export function settingsOf(config: SparkConfig): Settings {
  return {
    mail: {
      defaultFrom: config.mail.from,
      messageIdDomain: domainOf(config.mail.from) ?? new URL(config.publicUrl).hostname,
      maxAttempts: config.mail.maxAttempts,
      backoffBaseMs: config.mail.backoffBaseMs,
      backoffCapMs: config.mail.backoffCapMs,
    },
    leaseMs: config.leaseMs,
    jobBudgetMs: config.jobBudgetMs,
    retentionDays: config.retentionDays,
    batchSize: 1000,
    publicUrl: config.publicUrl,
    sessionDays: config.sessionDays,
    webhookAllowPrivate: config.webhookAllowPrivate,
    subscriptionDisableAfterMs: config.subscriptionDisableAfterMs,
  };
}

/** The code sources a process registers: the operator's extensions, then the demo's while SPARK_DEMO is on. */
export function registeredSources({ demo }: Pick<SparkConfig, "demo">): CodeSource[] {
  return [...extensions.sources, ...(demo ? demoSources : [])];
}

/**
 * The one place `Deps` is assembled. The server, the CLI, the benchmarks, the reliability suite and
 * the tests (through testing/deps.ts) all call it, so the engine never sees two shapes of its world.
 */
export function createDeps({
  db,
  mailer,
  log,
  settings,
  connections,
  sources = [],
  handlers = extensions.handlers,
  subscribers = extensions.subscribers,
  renderer = renderPool(),
  clock = () => new Date(),
  metrics = createMetrics(),
}: {
  db: Deps["db"];
  mailer: Mailer;
  log: Logger;
  settings: Settings;
  connections: Connections;
  sources?: readonly CodeSource[];
  handlers?: readonly Handler[];
  subscribers?: readonly CodeSubscriber[];
  renderer?: RenderPool;
  clock?: () => Date;
  metrics?: Metrics;
}): Deps {
  checkHandlers(handlers);
  metrics.bindDatabase(db);
  return { db, mailer, log, settings, connections, sources, handlers, subscribers, renderer, clock, metrics };
}

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

/** A process's engine: the database it opened, the `Deps` built on it, and how to let go of both. */
export type Runtime = {
  config: SparkConfig;
  database: Database;
  deps: Deps;
  close(): Promise<void>;
};

/**
 * Opens everything a process needs from the configuration: the migrated database, the mailer, the
 * connections, the render pool, and the registered sources and handlers. `close` releases them all,
 * the database last.
 */
export async function openRuntime(
  config: SparkConfig,
  { log, database: given }: { log: Logger; database?: Database },
): Promise<Runtime> {
  const database = given ?? (await openMigratedDatabase(config, log));
  try {
    const mailer = createMailer(config, database.db);
    const connections = await openConnections({ config, database });
    const deps = createDeps({
      db: database.db,
      mailer,
      log,
      settings: settingsOf(config),
      connections,
      sources: registeredSources(config),
      metrics: createMetrics({ processMetrics: true }),
    });
    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= Promise.allSettled([mailer.close(), connections.close(), closeRenderPool()]).then(() =>
        database.close(),
      ));
    return { config, database, deps, close };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** After migration, a server makes sure an operator can get in, and says how on stdout. */
export async function announceFirstAdmin({ deps, config }: Pick<Runtime, "deps" | "config">) {
  const outcome = await ensureFirstAdmin(deps, { admin: config.admin, publicUrl: config.publicUrl });
  if (outcome.kind === "created") deps.log.info(`Created the first admin ${outcome.email} from SPARK_ADMIN_EMAIL.`);
  if (outcome.kind === "setup-link") {
    process.stdout.write(
      `\nSpark has no operators yet. Create the first admin at:\n\n  ${outcome.url}\n\n` +
        `The link works once and expires at ${outcome.expiresAt.toISOString()}; restart the server for a new one,\n` +
        `or run: npm run user -- create <email>\n\n`,
    );
  }
  return outcome;
}
