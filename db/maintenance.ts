import { sql } from "drizzle-orm";
import type { Db } from "./client";

/**
 * Refreshes the planner's statistics. PostgreSQL's autovacuum does this by itself; the embedded PGlite
 * runs without it, so the server calls this on a timer there. Without statistics the planner guesses
 * every table small: reading the events after a subscription's checkpoint then fetched and sorted all of
 * them for each page, instead of walking the commit-order index. ANALYZE reads a bounded sample of each
 * table, so its cost stays small as the tables grow.
 */
export async function refreshStatistics(db: Db): Promise<void> {
  await db.execute(sql`analyze`);
}
