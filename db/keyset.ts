import { asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** Keyset pagination on a growing id: `before` pages to older rows, `after` back to newer ones. */
export type KeysetCursor = { before: number } | { after: number } | null;
export type KeysetPage<T> = { rows: T[]; newer: number | null; older: number | null };

/**
 * Runs `fetch` with the cursor's bound and order, one row more than a page to learn whether another
 * page follows, and answers the rows newest first with the cursors of the neighbouring pages. New rows
 * only take ids above the first page's, so a page never shifts while they arrive.
 */
export async function pageByKeyset<T extends { id: number }>(
  column: PgColumn,
  { cursor, limit }: { cursor: KeysetCursor; limit: number },
  fetch: (query: { bound: SQL | undefined; order: SQL; take: number }) => Promise<T[]>,
): Promise<KeysetPage<T>> {
  const backwards = cursor !== null && "after" in cursor;
  const bound = cursor === null ? undefined : "before" in cursor ? lt(column, cursor.before) : gt(column, cursor.after);
  const fetched = await fetch({ bound, order: backwards ? asc(column) : desc(column), take: limit + 1 });
  const more = fetched.length > limit;
  const rows = backwards ? fetched.slice(0, limit).reverse() : fetched.slice(0, limit);
  if (rows.length === 0) {
    // An empty page past either end still links back to the rows on the other side of its cursor.
    if (cursor === null) return { rows, newer: null, older: null };
    return "before" in cursor
      ? { rows, newer: cursor.before - 1, older: null }
      : { rows, newer: null, older: cursor.after + 1 };
  }
  const newest = rows[0]!.id;
  const oldest = rows.at(-1)!.id;
  return backwards
    ? { rows, newer: more ? newest : null, older: oldest }
    : { rows, newer: cursor ? newest : null, older: more ? oldest : null };
}
