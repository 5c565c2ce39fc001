import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

export type Health = { ok: true; db: Database["driver"] } | { ok: false; db: Database["driver"] | null; error: string };

/** Whether the database answers a real query; the reason when it does not. */
export async function checkHealth(database: Database | Promise<Database>): Promise<Health> {
  let driver: Database["driver"] | null = null;
  try {
    const db = await database;
    driver = db.driver;
    await db.db.execute(sql`select 1`);
    return { ok: true, db: driver };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : "unknown error";
    return { ok: false, db: driver, error: `The database does not answer: ${reason}` };
  }
}
