import { openDatabase, type Database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { ensureFirstAdmin } from "./auth/accounts";
import type { SparkConfig } from "./config";
import type { Logger } from "./logger";

/** Opens and migrates the configured database: what every process does before it touches data. */
export async function openMigratedDatabase(config: SparkConfig): Promise<Database> {
  const database = await openDatabase(config.database);
  try {
    await migrateDatabase(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** After migration, a server makes sure an operator can get in, and says how on stdout. */
export async function announceFirstAdmin({ database, config, log }: { database: Database; config: SparkConfig; log: Logger }) {
  const outcome = await ensureFirstAdmin({ db: database.db, clock: () => new Date() }, { admin: config.admin, publicUrl: config.publicUrl });
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
