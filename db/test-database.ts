import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database } from "./client";
import { migrateDatabase } from "./migrate";

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or, when the Vitest project is
 * "postgres", a new database created from TEST_DATABASE_URL and dropped on close. Files never share
 * state, so parallel runs and reruns cannot interfere.
 */
export async function openTestDatabase(): Promise<Database> {
  if (process.env.SPARK_TEST_DRIVER !== "postgres") {
    const database = await openDatabase({ driver: "pglite", memory: true });
    await migrateDatabase(database);
    return database;
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("SPARK_TEST_DRIVER=postgres needs TEST_DATABASE_URL");
  const name = `spark_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ driver: "postgres", url: url.toString(), poolSize: 8 });
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

export const testDriver = process.env.SPARK_TEST_DRIVER === "postgres" ? "postgres" : "pglite";
