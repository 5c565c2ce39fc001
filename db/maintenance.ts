import { sql } from "drizzle-orm";
import type { Db } from "./client";

/**
 * Makes the space of deleted rows reusable and refreshes the planner's statistics. PostgreSQL's
 * autovacuum does both by itself; the embedded PGlite runs without it, so the server calls this on a
 * timer there. Without statistics the planner guesses every table small: reading the events after a
 * subscription's checkpoint then fetched and sorted all of them for each page, instead of walking the
 * commit-order index. Without vacuuming, rows removed by retention leave space no later row reuses.
 */
export async function vacuumAnalyze(db: Db): Promise<void> {
  await db.execute(sql`vacuum (analyze)`);
}
