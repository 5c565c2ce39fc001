import type { SourceConnection } from "../connections";

/**
 * Longest key and group read whole. django-spark's columns hold 100 and 50 characters; anything longer
 * is someone else's data, read only as far as needed to say it is too long, so a table of enormous
 * values cannot fill Spark's memory.
 */
export const MAX_KEY_CHARS = 300;
export const MAX_GROUP_CHARS = 100;
export const MAX_TEMPLATE_CHARS = 300_000;
export const MAX_TEMPLATE_GROUP_CHARS = 100;

export type DjangoSparkEventRow = {
  /** At most MAX_KEY_CHARS + 1 characters: one more than allowed means the key is longer. */
  key: string;
  keyLength: number;
  group: string;
  createdAt: Date | null;
};

export type DjangoSparkMailRow = { id: string; group: string; source: string; sourceLength: number };

type Dialect = { q: (name: string) => string; param: (n: number) => string };
const dialectOf = (connection: SourceConnection): Dialect =>
  connection.kind === "mysql"
    ? { q: (name) => `\`${name}\``, param: () => "?" }
    : { q: (name) => `"${name}"`, param: (n) => `$${n}` };

const text = (value: unknown) =>
  typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
const dateOf = (value: unknown) => {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : null;
  return date && Number.isFinite(date.getTime()) ? date : null;
};

/** Which of django-spark's tables the connection's user can read. */
export async function findDjangoSparkTables(
  connection: SourceConnection,
): Promise<{ events: boolean; mails: boolean }> {
  const sql =
    connection.kind === "mysql"
      ? "select table_name as name from information_schema.tables where table_schema = database() and table_name in ('spark_event', 'spark_mails_mail')"
      : "select c.relname as name from pg_class c where c.relname in ('spark_event', 'spark_mails_mail') and c.relkind in ('r', 'p', 'v', 'm', 'f') and pg_table_is_visible(c.oid) and has_table_privilege(c.oid, 'select')";
  const { rows } = await connection.query(sql, []);
  const names = new Set(rows.map((row) => text(row.name ?? row.NAME ?? row.TABLE_NAME).toLowerCase()));
  return { events: names.has("spark_event"), mails: names.has("spark_mails_mail") };
}

/**
 * Every row of spark_event in key order, a batch per statement (keyset on the primary key), so a table
 * of any size is read with bounded memory, each statement under the connection's timeout, and no
 * transaction held open on the application's database between batches.
 */
export async function* readDjangoSparkEvents(
  connection: SourceConnection,
  { batchSize }: { batchSize: number },
): AsyncIterable<DjangoSparkEventRow[]> {
  const { q, param } = dialectOf(connection);
  const size = Math.max(1, Math.floor(batchSize));
  const head = `select left(${q("key")}, ${MAX_KEY_CHARS + 1}) as k, char_length(${q("key")}) as n, left(${q("group")}, ${MAX_GROUP_CHARS + 1}) as g, created_at as t from spark_event`;
  let after: string | null = null;
  for (;;) {
    const where: string = after === null ? "" : ` where ${q("key")} > ${param(1)}`;
    const params: unknown[] = after === null ? [] : [after];
    const { rows } = await connection.query(`${head}${where} order by ${q("key")} limit ${size}`, params);
    const batch = rows.map((row) => ({
      key: text(row.k),
      keyLength: Number(row.n ?? 0),
      group: text(row.g),
      createdAt: dateOf(row.t),
    }));
    if (batch.length > 0) yield batch;
    if (batch.length < size) return;
    const last = batch.at(-1)!;
    // A cut key is only its first characters, which sort before the key itself: the next batch starts
    // after the whole key, read alone (a primary key's index keeps it to a few kilobytes).
    after =
      last.keyLength > MAX_KEY_CHARS
        ? text(
            (
              await connection.query(
                `select ${q("key")} as k from spark_event${where} order by ${q("key")} limit 1 offset ${batch.length - 1}`,
                params,
              )
            ).rows[0]?.k,
          )
        : last.key;
  }
}

/** Every row of spark_mails_mail by id, in batches, each source read only up to one character past the limit. */
export async function* readDjangoSparkMails(
  connection: SourceConnection,
  { batchSize }: { batchSize: number },
): AsyncIterable<DjangoSparkMailRow[]> {
  const { param } = dialectOf(connection);
  const size = Math.max(1, Math.floor(batchSize));
  let after: string | null = null;
  for (;;) {
    const where = after === null ? "" : ` where id > ${param(1)}`;
    const { rows } = await connection.query(
      `select id, left(event_group, ${MAX_TEMPLATE_GROUP_CHARS + 1}) as g, left(template_source, ${MAX_TEMPLATE_CHARS + 1}) as s, char_length(template_source) as n from spark_mails_mail${where} order by id limit ${size}`,
      after === null ? [] : [after],
    );
    const batch = rows.map((row) => ({
      id: text(row.id),
      group: text(row.g),
      source: text(row.s),
      sourceLength: Number(row.n ?? 0),
    }));
    if (batch.length > 0) yield batch;
    if (batch.length < size) return;
    after = batch.at(-1)!.id;
  }
}
