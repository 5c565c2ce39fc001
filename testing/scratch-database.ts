import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database, type QueryObserver } from "../db/client";
import { migrateDatabase } from "../db/migrate";

/**
 * A fresh, migrated database that disappears on close: in-memory PGlite, or a new database created on
 * the Postgres server of `adminUrl` and dropped afterwards. Tests and benchmarks never share state.
 */
export async function openScratchDatabase(
  input: { driver: "pglite" } | { driver: "postgres"; adminUrl: string; poolSize?: number; onQuery?: QueryObserver },
): Promise<Database> {
  if (input.driver === "pglite") {
    const database = await openDatabase({ driver: "pglite", memory: true });
    await migrateDatabase(database);
    return database;
  }
  const name = `spark_scratch_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(input.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(input.adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({
    driver: "postgres",
    url: url.toString(),
    poolSize: input.poolSize ?? 8,
    onQuery: input.onQuery,
  });
  await migrateDatabase(database);
  return {
    ...database,
    close: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
