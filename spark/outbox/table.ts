import { z } from "zod";
import type { ConnectionKind, OutboxGap } from "@/db/schema";
import { quoteIdentifier } from "../connections/identifiers";
import { EVENT_LIMITS, eventInputSchema, firstProblem } from "../events/input";

/**
 * The outbox table's columns. `group` and `key` are reserved words in both dialects, so the README's DDL
 * prefixes them; a table made with the plain names works too (Spark quotes them).
 */
export const OUTBOX_COLUMNS = ["id", "event_group", "event_key", "context", "created_at"] as const;
const SPELLINGS = { group: ["event_group", "group"], key: ["event_key", "key"] } as const;

/** Which spelling of the group and key columns a table uses, or the columns it lacks. */
export function outboxColumnsOf(
  names: ReadonlySet<string>,
): { ok: true; group: string; key: string } | { ok: false; missing: string[] } {
  const group = SPELLINGS.group.find((c) => names.has(c));
  const key = SPELLINGS.key.find((c) => names.has(c));
  const missing = [
    ...(names.has("id") ? [] : ["id"]),
    ...(group ? [] : ["event_group"]),
    ...(key ? [] : ["event_key"]),
    ...(names.has("context") ? [] : ["context"]),
    ...(names.has("created_at") ? [] : ["created_at"]),
  ];
  return group && key && missing.length === 0 ? { ok: true, group, key } : { ok: false, missing };
}

const PART = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The table name an operator types: a name, or schema.name, of letters, digits and underscores. Quoting
 * would make any text safe, but a name that needs quotes is almost always a typo or an attempt.
 */
export const outboxTableName = z
  .string()
  .trim()
  .min(1, "Enter the outbox table's name, for example spark_outbox or app.spark_outbox.")
  .max(127, "Use at most 127 characters.")
  .refine((name) => {
    const parts = name.split(".");
    return parts.length <= 2 && parts.every((part) => PART.test(part));
  }, "Use the table's name (or schema.name) as the database lists it: letters, digits and _, each part starting with a letter or _, at most 63 characters.");

export type Dialect = "postgres" | "mysql";
export const dialectOf = (kind: ConnectionKind): Dialect => (kind === "mysql" ? "mysql" : "postgres");

export type OutboxTable = {
  dialect: Dialect;
  schema: string | null;
  name: string;
  sql: string;
  /** The group and key columns as they go into a statement: event_group and event_key, or group and key. */
  columns: { group: string; key: string };
};

/**
 * The table as it goes into a statement, each part quoted for its dialect; throws on a name the schema
 * refuses. `columns` names the group and key columns the table has (see `outboxColumnsOf`).
 */
export function outboxTable(
  kind: ConnectionKind,
  tableName: string,
  columns: { group: string; key: string } = { group: "event_group", key: "event_key" },
): OutboxTable {
  const checked = outboxTableName.parse(tableName);
  const dialect = dialectOf(kind);
  const parts = checked.split(".");
  const [schema, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
  const quoted = parts.map((p) => quoteIdentifier(dialect, p)).join(".");
  // Only the spellings Spark knows reach a statement, whatever a caller passes.
  const group = SPELLINGS.group.find((c) => c === columns.group) ?? "event_group";
  const key = SPELLINGS.key.find((c) => c === columns.key) ?? "event_key";
  return {
    dialect,
    schema,
    name,
    sql: quoted,
    columns: { group: quoteIdentifier(dialect, group), key: quoteIdentifier(dialect, key) },
  };
}

/** Bytes of one row's context Spark takes; a larger one stays in the database and its row is skipped. */
export const MAX_CONTEXT_BYTES = EVENT_LIMITS.contextBytes;
/** Bytes of contexts one read takes at most (besides its first row), so a batch never fills memory. */
export const BATCH_BYTES = 16 * 1024 * 1024;

export type OutboxRead = { text: string; params: number[] };

/**
 * One read of the table: the rows above `after` (in `ranges` when given), in id order, at most `limit`
 * and about BATCH_BYTES of context. The server measures each context and sends none over the limit,
 * and cuts group and key one character past theirs, so no row can make Spark hold more than it checks.
 * Only ids are parameters; the table is quoted, the numbers are Spark's own.
 */
export function readStatement(
  table: OutboxTable,
  { after, ranges = null, limit }: { after: number; ranges?: OutboxGap[] | null; limit: number },
): OutboxRead {
  const pg = table.dialect === "postgres";
  const params: number[] = [after];
  const p = () => (pg ? `$${params.length}` : "?");
  const afterParam = p();
  let rangeSql = "";
  if (ranges && ranges.length > 0) {
    const parts = ranges.map((r) => {
      params.push(r.from);
      const from = p();
      params.push(r.to);
      return `id between ${from} and ${p()}`;
    });
    rangeSql = ` and (${parts.join(" or ")})`;
  }
  const n = Math.max(1, Math.floor(limit));
  const max = MAX_CONTEXT_BYTES;
  const text = pg
    ? `select s.id, s.event_group, s.event_key, s.context, s.context_bytes, s.created_at, s.inner_rows from (
  select o.id::text as id, left(o.event_group::text, 101) as event_group, left(o.event_key::text, ${EVENT_LIMITS.keyLength + 1}) as event_key,
    case when octet_length(o.context::text) <= ${max} then o.context::text end as context,
    octet_length(o.context::text) as context_bytes, o.created_at::text as created_at, o.id as sort_id,
    sum(case when octet_length(o.context::text) <= ${max} then octet_length(o.context::text) else 0 end) over (order by o.id) as running,
    count(*) over () as inner_rows
  from (select id, ${table.columns.group} as event_group, ${table.columns.key} as event_key, context, created_at from ${table.sql} where id > ${afterParam}${rangeSql} order by id limit ${n}) o
) s
where s.running - coalesce(octet_length(s.context), 0) < ${BATCH_BYTES}
order by s.sort_id`
    : `select s.id, s.event_group, s.event_key, s.context, s.context_bytes, s.created_at, s.inner_rows from (
  select cast(o.id as char) as id, left(o.event_group, 101) as event_group, left(o.event_key, ${EVENT_LIMITS.keyLength + 1}) as event_key,
    case when length(o.context) <= ${max} then o.context end as context,
    length(o.context) as context_bytes, cast(o.created_at as char) as created_at, o.id as sort_id,
    sum(case when length(o.context) <= ${max} then length(o.context) else 0 end) over (order by o.id) as running,
    count(*) over () as inner_rows
  from (select id, ${table.columns.group} as event_group, ${table.columns.key} as event_key, context, created_at from ${table.sql} where id > ${afterParam}${rangeSql} order by id limit ${n}) o
) s
where s.running - coalesce(length(s.context), 0) < ${BATCH_BYTES}
order by s.sort_id`;
  return { text, params };
}

/** A row as Spark read it: the event it becomes, or why it is skipped. */
export type OutboxRow = {
  id: number;
  createdAt: string | null;
  event: { group: string; key: string; context: Record<string, unknown> } | null;
  problem: string | null;
  /** What the row holds, cut short, for "Check table" to show beside a problem. */
  group: string | null;
  key: string | null;
};

const textOf = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return typeof value === "string" ? value : String(value);
};

export class OutboxIdError extends Error {
  override name = "OutboxIdError";
}

/** The id of a row as a number; an id that is not a whole number Spark can hold stops the read. */
export function idOf(raw: unknown): number {
  const text = textOf(raw) ?? "";
  const id = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id))
    throw new OutboxIdError(
      `The id ${JSON.stringify(text.slice(0, 40))} is not a whole number up to 2^53; the outbox's id must be an integer column (bigint, auto-increment).`,
    );
  return id;
}

/** Turns a row into an event, checked as strictly as one posted to the ingest API. */
export function parseOutboxRow(row: Record<string, unknown>): OutboxRow {
  const id = idOf(row.id);
  const group = textOf(row.event_group);
  const key = textOf(row.event_key);
  const createdAt = textOf(row.created_at);
  const base = { id, createdAt, group, key };
  const bytes = Number(textOf(row.context_bytes) ?? 0);
  if (bytes > MAX_CONTEXT_BYTES)
    return {
      ...base,
      event: null,
      problem: `context is ${Math.ceil(bytes / 1024)} KiB; at most ${MAX_CONTEXT_BYTES / 1024} KiB of JSON is taken.`,
    };
  let context: unknown = undefined;
  const raw = row.context;
  if (raw !== null && raw !== undefined) {
    if (typeof raw === "object" && !(raw instanceof Uint8Array)) context = raw;
    else {
      try {
        context = JSON.parse(textOf(raw)!);
      } catch {
        return { ...base, event: null, problem: "context is not valid JSON." };
      }
    }
  }
  const parsed = eventInputSchema.safeParse({ group, key, ...(context === undefined ? {} : { context }) });
  if (!parsed.success) return { ...base, event: null, problem: firstProblem(parsed.error) };
  return {
    ...base,
    event: { group: parsed.data.group, key: parsed.data.key, context: parsed.data.context ?? {} },
    problem: null,
  };
}

/**
 * Whether the table may hold more than one read returned: the inner read was full, or the byte budget
 * cut it short.
 */
export function readMore(rows: Record<string, unknown>[], limit: number): boolean {
  if (rows.length === 0) return false;
  const inner = Number(textOf(rows[0]!.inner_rows) ?? rows.length);
  return inner >= Math.max(1, Math.floor(limit)) || rows.length < inner;
}
