import { sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { rowsOf } from "../rows";

type Conn = Db | Tx;

/** A key another system already handled, recorded as an event of Spark's without running anything. */
export type ImportedEvent = {
  group: string;
  key: string;
  context: Record<string, unknown>;
  source: string;
  createdAt: Date;
};

/**
 * Inserts handled keys in one statement, with the time the other system handled them, and returns the
 * keys actually inserted: a key already recorded (by a pass, an earlier import, or twice in the batch)
 * is left as it is by ON CONFLICT DO NOTHING.
 */
export async function insertImportedEvents(db: Conn, { events }: { events: ImportedEvent[] }): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  // One text parameter for the whole batch, read back with jsonb_to_recordset, as insertNewEvents does.
  const payload = events.map((e) => ({
    g: e.group,
    k: e.key,
    c: e.context,
    s: e.source,
    t: e.createdAt.toISOString(),
  }));
  const result = await db.execute(sql`
    insert into events (event_group, key, context, source, created_at)
    select r.g, r.k, r.c, r.s, r.t
    from jsonb_to_recordset(${JSON.stringify(payload)}::text::jsonb) as r(g text, k text, c jsonb, s text, t timestamptz)
    on conflict (key) do nothing
    returning key`);
  return new Set(rowsOf<{ key: string }>(result).map((row) => row.key));
}
