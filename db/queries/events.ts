import { and, asc, count, desc, eq, gte, ilike, inArray, lt, sql, type SQL } from "drizzle-orm";
import { escapeLike } from "../like";
import type { Db, Tx } from "../client";
import { rowsOf } from "../rows";
import { events, type Event } from "../schema";

type Conn = Db | Tx;

export type NewEvent = {
  group: string;
  key: string;
  context: Record<string, unknown>;
  generatorId: string | null;
  source: string | null;
  /** Its place in an aggregate's stream, for an event appended to one (the caller holds the stream's lock). */
  aggregate?: StreamPosition;
};
export type StreamPosition = { type: string; id: string; version: number };

/**
 * Inserts a batch in one statement and returns only the rows actually inserted: a key seen before,
 * or twice in the batch, is skipped by ON CONFLICT DO NOTHING.
 */
export async function insertNewEvents(
  db: Conn,
  { events: batch, jobRunId }: { events: NewEvent[]; jobRunId: number | null },
) {
  if (batch.length === 0) return [];
  // One text parameter for the whole batch: drizzle would spread an array, and postgres.js would
  // re-encode a string typed jsonb; a text cast to jsonb on the server is read the same by both drivers.
  const payload = batch.map((e) => ({
    g: e.group,
    k: e.key,
    c: e.context,
    gen: e.generatorId,
    src: e.source,
    at: e.aggregate?.type,
    ai: e.aggregate?.id,
    av: e.aggregate?.version,
  }));
  const result = await db.execute(sql`
    insert into events (event_group, key, context, generator_id, source, job_run_id, aggregate_type, aggregate_id, aggregate_version)
    select r.g, r.k, r.c, r.gen, r.src, ${jobRunId}::bigint, r.at, r.ai, r.av
    from jsonb_to_recordset(${JSON.stringify(payload)}::text::jsonb)
      as r(g text, k text, c jsonb, gen uuid, src text, at text, ai text, av integer)
    on conflict (key) do nothing
    returning id, key`);
  return rowsOf<{ id: number | string; key: string }>(result).map((row) => ({ id: Number(row.id), key: row.key }));
}

export async function deleteEventsByIds(db: Conn, { ids }: { ids: number[] }) {
  if (ids.length > 0) await db.delete(events).where(inArray(events.id, ids));
}

export async function listRecordedKeys(db: Conn, { keys }: { keys: string[] }): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  // The key's trigram (GIN) index also answers `=`, and without fresh statistics the planner picks it:
  // seconds per thousand keys. GIN is only read by bitmap scans, so turning those off for this one
  // statement leaves the unique btree index, a lookup per key. One text parameter for all the keys.
  const list = JSON.stringify(keys);
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_bitmapscan = off`);
    return tx
      .select({ key: events.key })
      .from(events)
      .where(sql`${events.key} = any(array(select jsonb_array_elements_text(${list}::text::jsonb)))`);
  });
  return new Set(rows.map((r) => r.key));
}

/** Events recorded since a time, per group, busiest first. */
export async function countEventsByGroupSince(
  db: Conn,
  { since }: { since: Date },
): Promise<{ group: string; events: number }[]> {
  return db
    .select({ group: events.group, events: count() })
    .from(events)
    .where(gte(events.createdAt, since))
    .groupBy(events.group)
    .orderBy(desc(count()), events.group);
}

export type EventLogFilters = {
  group?: string;
  key?: string;
  generatorId?: string;
  source?: string;
  from?: Date;
  to?: Date;
  failing?: boolean;
  /** The events one job pass recorded: where "See the events" after a run leads. */
  jobRunId?: number;
};
export type EventLogRow = Pick<Event, "id" | "group" | "key" | "generatorId" | "source" | "jobRunId" | "createdAt">;

export function eventLogConditions(filters: EventLogFilters): SQL[] {
  const where: SQL[] = [];
  if (filters.group) where.push(eq(events.group, filters.group));
  if (filters.key) where.push(ilike(events.key, `%${escapeLike(filters.key)}%`));
  if (filters.generatorId) where.push(eq(events.generatorId, filters.generatorId));
  if (filters.source) where.push(eq(events.source, filters.source));
  if (filters.from) where.push(gte(events.createdAt, filters.from));
  if (filters.to) where.push(lt(events.createdAt, filters.to));
  if (filters.jobRunId) where.push(eq(events.jobRunId, filters.jobRunId));
  if (filters.failing)
    where.push(
      sql`exists (select 1 from deliveries d where d.event_id = ${events.id} and d.status in ('failed', 'dead'))`,
    );
  return where;
}

/** An event's place in the log: created_at in microseconds since the epoch (exact, as text), then id. */
export type EventPosition = { micros: string; id: number };
export type EventLogCursor = { before: EventPosition } | { after: EventPosition } | null;
export type EventLogPage = {
  rows: (EventLogRow & { position: EventPosition })[];
  newer: EventPosition | null;
  older: EventPosition | null;
};

const micros = sql<string>`floor(extract(epoch from ${events.createdAt}) * 1000000)::bigint::text`;
const at = (position: EventPosition) =>
  sql`(timestamptz 'epoch' + ${position.micros}::bigint * interval '1 microsecond', ${position.id}::bigint)`;

/**
 * One page of the event log, newest first, by keyset on (created_at, id): every filter's index ends in
 * those two columns, so a time range is read from its own end instead of walking back from the newest
 * event. Events recorded later only ever sort above the first page, so a page never shifts.
 */
export async function listEventLogPage(
  db: Conn,
  { filters, cursor, limit }: { filters: EventLogFilters; cursor: EventLogCursor; limit: number },
): Promise<EventLogPage> {
  const backwards = cursor !== null && "after" in cursor;
  const bound =
    cursor === null
      ? undefined
      : "before" in cursor
        ? sql`(${events.createdAt}, ${events.id}) < ${at(cursor.before)}`
        : sql`(${events.createdAt}, ${events.id}) > ${at(cursor.after)}`;
  const fetched = await db
    .select({
      id: events.id,
      group: events.group,
      key: events.key,
      generatorId: events.generatorId,
      source: events.source,
      jobRunId: events.jobRunId,
      createdAt: events.createdAt,
      micros,
    })
    .from(events)
    .where(and(...eventLogConditions(filters), bound))
    .orderBy(...(backwards ? [asc(events.createdAt), asc(events.id)] : [desc(events.createdAt), desc(events.id)]))
    .limit(limit + 1);
  const more = fetched.length > limit;
  const page = (backwards ? fetched.slice(0, limit).reverse() : fetched.slice(0, limit)).map(
    ({ micros: m, ...row }) => ({ ...row, position: { micros: String(m), id: row.id } }),
  );
  if (page.length === 0) return { rows: page, newer: null, older: null };
  const newest = page[0]!.position;
  const oldest = page.at(-1)!.position;
  return backwards
    ? { rows: page, newer: more ? newest : null, older: oldest }
    : { rows: page, newer: cursor ? newest : null, older: more ? oldest : null };
}

export async function findEventById(db: Conn, { id }: { id: number }): Promise<Event | null> {
  const [row] = await db.select().from(events).where(eq(events.id, id));
  return row ?? null;
}

/** Events per hour or per day (UTC) since a time, oldest bucket first; empty buckets are left out. */
export async function countEventsByBucketSince(
  db: Conn,
  { since, bucket }: { since: Date; bucket: "hour" | "day" },
): Promise<{ at: Date; events: number }[]> {
  // Epoch seconds, not a timestamp: both drivers read a float8 the same way, whatever the session's zone.
  const epoch = sql<number>`extract(epoch from date_trunc(${sql.raw(bucket === "day" ? "'day'" : "'hour'")}, ${events.createdAt}, 'UTC'))::float8`;
  const rows = await db
    .select({ epoch, events: count() })
    .from(events)
    .where(gte(events.createdAt, since))
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((r) => ({ at: new Date(Number(r.epoch) * 1000), events: r.events }));
}

/**
 * The newest events whose group matches a template's pattern (`*` as a wildcard), for the editor's
 * preview. Keys imported from django-spark are left out: they carry no context, so they are no example
 * of what the group's events hold.
 */
export async function listRecentEventsByGroupPattern(
  db: Conn,
  { pattern, limit }: { pattern: string; limit: number },
): Promise<Pick<Event, "id" | "key" | "group" | "createdAt">[]> {
  const where = pattern.includes("*")
    ? sql`${events.group} like ${escapeLike(pattern).replace(/\*/g, "%")}`
    : eq(events.group, pattern);
  return db
    .select({ id: events.id, key: events.key, group: events.group, createdAt: events.createdAt })
    .from(events)
    .where(and(where, sql`${events.source} is distinct from 'import:django-spark'`))
    .orderBy(desc(events.createdAt), desc(events.id))
    .limit(limit);
}
