import { sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { rowsOf } from "../rows";

type Conn = Db | Tx;

export type StreamRef = { type: string; id: string };

/** Where a reader stands in commit order: the recording transaction's id (xid8, as text) and the event id. */
export type CommitPosition = { tx: string; id: number };

export type PublishedEvent = {
  id: number;
  group: string;
  key: string;
  context: Record<string, unknown>;
  createdAt: Date;
  source: string | null;
  aggregate: { type: string; id: string; version: number } | null;
  position: CommitPosition;
  /** About how many bytes its context holds, when the read measured it (pages of commit order and streams). */
  bytes?: number;
};

type Row = {
  id: number | string;
  event_group: string;
  key: string;
  context: Record<string, unknown> | string;
  created_at: Date | string;
  source: string | null;
  aggregate_type: string | null;
  aggregate_id: string | null;
  aggregate_version: number | null;
  tx_id: string;
  bytes?: number | string | null;
};

const eventOf = (row: Row): PublishedEvent => ({
  id: Number(row.id),
  group: row.event_group,
  key: row.key,
  context: typeof row.context === "string" ? JSON.parse(row.context) : row.context,
  createdAt: new Date(row.created_at),
  source: row.source,
  aggregate:
    row.aggregate_type !== null && row.aggregate_id !== null && row.aggregate_version !== null
      ? { type: row.aggregate_type, id: row.aggregate_id, version: Number(row.aggregate_version) }
      : null,
  position: { tx: String(row.tx_id), id: Number(row.id) },
  ...(row.bytes !== undefined && row.bytes !== null ? { bytes: Number(row.bytes) } : {}),
});

/**
 * Takes each stream's lock until the transaction ends, in one statement and always in the same order,
 * so two requests appending to the same streams queue behind each other instead of deadlocking.
 */
export async function lockStreams(tx: Tx, { streams }: { streams: StreamRef[] }) {
  if (streams.length === 0) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock(h)
    from (
      select distinct hashtextextended(s->>'type' || chr(31) || (s->>'id'), 7243) as h
      from jsonb_array_elements(${JSON.stringify(streams)}::text::jsonb) as s
      order by h
    ) as locks`);
}

/** Each stream's last version (0 for one with no events yet), read after its lock is held. */
export async function currentStreamVersions(
  db: Conn,
  { streams }: { streams: StreamRef[] },
): Promise<Map<string, number>> {
  const versions = new Map(streams.map((s) => [streamName(s), 0]));
  if (streams.length === 0) return versions;
  const result = await db.execute(sql`
    select s->>'type' as type, s->>'id' as id,
      (select max(e.aggregate_version) from events e
        where e.aggregate_type = s->>'type' and e.aggregate_id = s->>'id') as version
    from jsonb_array_elements(${JSON.stringify(streams)}::text::jsonb) as s`);
  for (const row of rowsOf<{ type: string; id: string; version: number | null }>(result))
    versions.set(streamName(row), Number(row.version ?? 0));
  return versions;
}

/** One string per stream, for maps: the separator cannot appear in a type. */
export const streamName = ({ type, id }: StreamRef) => `${type}\u001f${id}`;

/**
 * The context bytes one page of events may hold (always at least one event): a page of 1,000 events of
 * up to 1 MiB each would otherwise be a gigabyte in the server's memory and in one answer.
 */
export const PAGE_BYTES = 8 * 1024 * 1024;

/**
 * What a context's stored size suggests, without reading it: a compressed one counts as eight times its
 * stored size. A page is first cut on these, so only the events it may hold are measured: measuring a
 * compressed context means decompressing it, and a page of 1,000 of them would be a gigabyte of work.
 */
const guessedSize = (context: SQL) =>
  sql`pg_column_size(${context})::bigint * case when pg_column_compression(${context}) is null then 1 else 8 end`;

/** A context's size in the answer: the stored size when it is not compressed (close to its text), else its text's. */
const measuredSize = (context: SQL) =>
  sql`case when pg_column_compression(${context}) is null then pg_column_size(${context})::bigint
    else octet_length(${context}::text)::bigint end`;

/** A stream's events in version order, after a version; `cut` when the byte budget ended the page early. */
export async function listStreamEvents(
  db: Conn,
  {
    stream,
    afterVersion,
    limit,
    maxBytes = PAGE_BYTES,
  }: { stream: StreamRef; afterVersion: number; limit: number; maxBytes?: number },
): Promise<{ events: PublishedEvent[]; cut: boolean }> {
  const result = await db.execute(sql`
    with page as (
      select id, event_group, key, context, created_at, source, aggregate_type, aggregate_id, aggregate_version,
        tx_id::text as tx_id, ${guessedSize(sql`context`)} as guess
      from events
      where aggregate_type = ${stream.type} and aggregate_id = ${stream.id} and aggregate_version > ${afterVersion}
      order by aggregate_version
      limit ${limit}
    ),
    guessed as (
      select p.* from (
        select p.*, sum(p.guess) over (order by p.aggregate_version) - p.guess as guess_before,
          count(*) over () as page_count
        from page p
      ) p where p.guess_before < ${maxBytes}
    ),
    measured as (
      select g.*, ${measuredSize(sql`g.context`)} as bytes from guessed g
    ),
    sized as (
      select m.*, sum(m.bytes) over (order by m.aggregate_version) - m.bytes as bytes_before from measured m
    )
    select * from sized where bytes_before < ${maxBytes} order by aggregate_version`);
  const rows = rowsOf<Row & { page_count: number | string }>(result);
  return { events: rows.map(eventOf), cut: rows.length > 0 && rows.length < Number(rows[0]!.page_count) };
}

/**
 * Events after a position in commit order: by (recording transaction, id), and only from transactions
 * older than the oldest one still running — a transaction that commits late has an older id than the
 * ones a reader already passed, so without that bound the reader would skip it forever; with it, the
 * reader waits for it. At most `scan` rows are examined per call, so a rare group cannot make one read
 * walk the whole log: `scannedTo` says how far it got, and the next read starts there.
 */
export async function readEventsInCommitOrder(
  db: Conn,
  {
    after,
    groupLike,
    limit,
    scan,
    maxBytes = PAGE_BYTES,
  }: { after: CommitPosition; groupLike: string | null; limit: number; scan: number; maxBytes?: number },
): Promise<{ events: PublishedEvent[]; scannedTo: CommitPosition | null }> {
  const matches = groupLike === null ? sql`true` : sql`s.event_group like ${groupLike} escape '\\'`;
  const result = await db.execute(sql`
    with scanned as (
      select e.id, e.event_group, e.key, e.context, e.created_at, e.source, e.aggregate_type, e.aggregate_id,
        e.aggregate_version, e.tx_id
      from events e
      where (e.tx_id, e.id) > (${after.tx}::xid8, ${after.id}::bigint)
        and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
      order by e.tx_id, e.id
      limit ${scan}
    ),
    -- Keys imported from another system (import:…) were handled there: they are history, not news.
    matched as (
      select s.*, ${guessedSize(sql`s.context`)} as guess
      from scanned s where ${matches} and s.source is distinct from 'import:django-spark'
      order by s.tx_id, s.id limit ${limit}
    ),
    guessed as (
      select m.* from (
        select m.*, sum(m.guess) over (order by m.tx_id, m.id) - m.guess as guess_before from matched m
      ) m where m.guess_before < ${maxBytes}
    ),
    measured as (
      select g.*, ${measuredSize(sql`g.context`)} as bytes from guessed g
    ),
    kept as (
      select m.* from (
        select m.*, sum(m.bytes) over (order by m.tx_id, m.id) - m.bytes as bytes_before from measured m
      ) m where m.bytes_before < ${maxBytes}
    ),
    last_scanned as (
      select tx_id, id from scanned order by tx_id desc, id desc limit 1
    )
    select u.id, u.event_group, u.key, u.context, u.created_at, u.source, u.aggregate_type, u.aggregate_id,
      u.aggregate_version, u.tx_id::text as tx_id, u.bytes, u.is_end, u.matched_count
    from (
      select k.id, k.event_group, k.key, k.context, k.created_at, k.source, k.aggregate_type, k.aggregate_id,
        k.aggregate_version, k.tx_id, k.bytes, false as is_end, null::bigint as matched_count
      from kept k
      union all
      select l.id, null, null, null, null, null, null, null, null, l.tx_id, null, true, (select count(*) from matched)
      from last_scanned l
    ) as u
    order by u.is_end, u.tx_id, u.id`);
  const rows = rowsOf<Row & { is_end: boolean; matched_count: number | string | null }>(result);
  const end = rows.find((r) => r.is_end);
  const events = rows.filter((r) => !r.is_end).map(eventOf);
  // A full page, or one the byte budget ended early, ends at its last event; a short one has read
  // everything scanned up to the end of the scan.
  const cut = end !== undefined && events.length < Number(end.matched_count);
  const scannedTo =
    events.length === limit || cut
      ? events.at(-1)!.position
      : end
        ? { tx: String(end.tx_id), id: Number(end.id) }
        : null;
  return { events, scannedTo };
}

/** Events by id, in commit order: what a subscription's backlog names. */
export async function listPublishedEventsByIds(db: Conn, { ids }: { ids: number[] }): Promise<PublishedEvent[]> {
  if (ids.length === 0) return [];
  const result = await db.execute(sql`
    select id, event_group, key, context, created_at, source, aggregate_type, aggregate_id, aggregate_version,
      tx_id::text as tx_id
    from events
    where id = any(${`{${ids.join(",")}}`}::bigint[])
    order by tx_id, id`);
  return rowsOf<Row>(result).map(eventOf);
}

/**
 * Where a reader starting "now" begins: after every transaction already finished, so it gets what
 * commits from here on (and the few that finished just now, behind an older one still open).
 */
export async function currentCommitPosition(db: Conn): Promise<CommitPosition> {
  const result = await db.execute(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as tx`);
  const [row] = rowsOf<{ tx: string }>(result);
  return { tx: row!.tx, id: 0 };
}

/** Where a reader starting at a time begins: just before the first event, in commit order, recorded since. */
export async function commitPositionAt(db: Conn, { at }: { at: Date }): Promise<CommitPosition> {
  const result = await db.execute(sql`
    select tx_id::text as tx, id from events where created_at >= ${at.toISOString()}::timestamptz
    order by tx_id, id limit 1`);
  const [row] = rowsOf<{ tx: string; id: number | string }>(result);
  if (!row) return currentCommitPosition(db);
  return { tx: row.tx, id: Number(row.id) - 1 };
}

/** The id the next transaction will get: no event can have a position at or beyond it yet. */
export async function nextTransactionId(db: Conn): Promise<bigint> {
  const result = await db.execute(sql`select pg_snapshot_xmax(pg_current_snapshot())::text as tx`);
  return BigInt(rowsOf<{ tx: string }>(result)[0]!.tx);
}
