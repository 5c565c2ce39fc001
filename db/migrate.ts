import { join } from "node:path";
import type { Database } from "./client";

export const migrationsFolder = join(process.cwd(), "db", "migrations");

/** The one way migrations are applied: at start, in tests, and by `npm run db:migrate`. */
export async function migrateDatabase(database: Database): Promise<void> {
  await database.migrate(migrationsFolder);
}
