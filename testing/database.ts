import type { Database } from "../db/client";
import { openScratchDatabase } from "./scratch-database";

export const testDriver = process.env.SPARK_TEST_DRIVER === "postgres" ? "postgres" : "pglite";

/**
 * A fresh, migrated database for one test file, on the driver of the Vitest project: in-memory PGlite,
 * or a new database on TEST_DATABASE_URL's server, dropped on close. Parallel runs and reruns never meet.
 */
export async function openTestDatabase(): Promise<Database> {
  if (testDriver === "pglite") return openScratchDatabase({ driver: "pglite" });
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("SPARK_TEST_DRIVER=postgres needs TEST_DATABASE_URL");
  return openScratchDatabase({ driver: "postgres", adminUrl });
}
