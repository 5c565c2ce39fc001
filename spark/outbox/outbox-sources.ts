import { z } from "zod";
import {
  deleteOutboxSourceById,
  findOutboxSourceById,
  insertOutboxSource,
  setOutboxSourceActive,
  updateOutboxSourceById,
} from "@/db/queries/outbox-sources";
import type { OutboxSource } from "@/db/schema";
import { isConnectionError, type SourceConnection } from "../connections/types";
import type { Deps } from "../deps";
import { staleEdit, type StaleEdit } from "../stale-edits";
import {
  OUTBOX_COLUMNS,
  outboxColumnsOf,
  outboxTable,
  outboxTableName,
  parseOutboxRow,
  readStatement,
  type OutboxTable,
} from "./table";

export const outboxSourceInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the source a name.")
    .max(60, "Use at most 60 characters.")
    .regex(/^[a-z0-9][a-z0-9_-]*$/, "Use lowercase letters, digits, _ and - (start with a letter or digit)."),
  description: z.string().trim().max(500, "Use at most 500 characters."),
  connectionId: z.uuid("Choose the connection that holds the outbox table."),
  tableName: outboxTableName,
});
export type OutboxSourceInput = z.infer<typeof outboxSourceInput>;

/** How many of the next rows "Check table" shows. */
export const PREVIEW_ROWS = 10;

/** One of the next rows a pass would read, as "Check table" shows it. */
export type OutboxPreviewRow = {
  id: number;
  createdAt: string | null;
  group: string | null;
  key: string | null;
  /** The context as JSON, cut to a few hundred characters. */
  context: string | null;
  problem: string | null;
};

export type OutboxCheckResult =
  /** `total` is null when counting took longer than the connection's timeout (a very large table). */
  | { ok: true; total: number | null; next: OutboxPreviewRow[]; after: number }
  | { ok: false; field: "connectionId" | "tableName"; message: string };

const INTEGER_TYPES = /^(bigint|integer|smallint|int|mediumint|tinyint)\b/i;

type Column = { name: string; type: string };

export async function columnsOf(connection: SourceConnection, table: OutboxTable): Promise<Column[]> {
  const rows =
    table.dialect === "postgres"
      ? (
          await connection.query(
            "select a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped",
            [table.sql],
          )
        ).rows
      : (
          await connection.query(
            "select column_name as name, column_type as type from information_schema.columns where table_schema = coalesce(?, database()) and table_name = ?",
            [table.schema, table.name],
          )
        ).rows;
  return rows.map((r) => ({ name: String(r.name), type: String(r.type) }));
}

/** Tables whose name differs only in case: PostgreSQL folds unquoted names, and a typed capital is a common slip. */
async function similarTables(connection: SourceConnection, table: OutboxTable): Promise<string[]> {
  const rows =
    table.dialect === "postgres"
      ? (
          await connection.query(
            "select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where lower(c.relname) = lower($1) and c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname not in ('pg_catalog', 'information_schema') order by 1 limit 3",
            [table.name],
          )
        ).rows
      : (
          await connection.query(
            "select concat(table_schema, '.', table_name) as name from information_schema.tables where lower(table_name) = lower(?) order by 1 limit 3",
            [table.name],
          )
        ).rows;
  return rows.map((r) => String(r.name));
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * "Check table": the table exists with the outbox's columns, the connection's user can read it (the
 * same read a pass makes, read-only and under the timeout), how many rows it holds, and the next rows a
 * pass would read from `after`, each with what is wrong with it, if anything.
 */
export async function checkOutboxTable(
  { connections }: Pick<Deps, "connections">,
  { connectionId, tableName, after = 0 }: { connectionId: string; tableName: string; after?: number },
): Promise<OutboxCheckResult> {
  const name = outboxTableName.safeParse(tableName);
  if (!name.success)
    return { ok: false, field: "tableName", message: name.error.issues[0]?.message ?? "Check the table's name." };
  let connection: SourceConnection;
  try {
    connection = await connections.open(connectionId);
  } catch (error) {
    return { ok: false, field: "connectionId", message: (error as Error).message };
  }
  let table = outboxTable(connection.kind, name.data);
  try {
    const columns = await columnsOf(connection, table);
    if (columns.length === 0) {
      const similar = await similarTables(connection, table).catch(() => []);
      return {
        ok: false,
        field: "tableName",
        message: `There is no table ${name.data} that the connection's user can read${
          similar.length > 0 ? `; did you mean ${similar.join(" or ")}?` : "."
        } Create it as the README's "Outbox tables" shows and GRANT SELECT on it to that user.`,
      };
    }
    const spelled = outboxColumnsOf(new Set(columns.map((c) => c.name)));
    if (!spelled.ok)
      return {
        ok: false,
        field: "tableName",
        message: `${name.data} lacks the column${spelled.missing.length === 1 ? "" : "s"} ${spelled.missing.join(", ")}; an outbox table has ${OUTBOX_COLUMNS.join(", ")} (or group and key for event_group and event_key; the README's "Outbox tables" gives its DDL).`,
      };
    table = outboxTable(connection.kind, name.data, spelled);
    const id = columns.find((c) => c.name === "id")!;
    if (!INTEGER_TYPES.test(id.type))
      return {
        ok: false,
        field: "tableName",
        message: `${name.data}.id is ${id.type}; it must be an integer that grows with each insert (bigserial, bigint auto_increment).`,
      };
    const statement = readStatement(table, { after, limit: PREVIEW_ROWS });
    const { rows } = await connection.query(statement.text, statement.params);
    // The read above is what a pass needs; a count too slow for the timeout must not refuse the table.
    const total = await connection
      .query(`select count(*) as n from ${table.sql}`, [])
      .then((counted) => Number(counted.rows[0]?.n ?? 0))
      .catch((error: unknown) => {
        if (isConnectionError(error) && /ran longer than/.test(error.message)) return null;
        throw error;
      });
    return {
      ok: true,
      after,
      total,
      next: rows.map((raw) => {
        const row = parseOutboxRow(raw);
        return {
          id: row.id,
          createdAt: row.createdAt,
          group: row.group === null ? null : shorten(row.group, 100),
          key: row.key === null ? null : shorten(row.key, 200),
          context: row.event ? shorten(JSON.stringify(row.event.context), 300) : null,
          problem: row.problem,
        };
      }),
    };
  } catch (error) {
    return {
      ok: false,
      field: "tableName",
      message: isConnectionError(error) ? error.message : `Reading ${name.data} failed: ${(error as Error).message}`,
    };
  }
}

type Invalid = { status: "invalid"; fieldErrors: Record<string, string[]> };
export type SaveOutboxSourceResult = { status: "ok"; source: OutboxSource } | Invalid | { status: "gone" } | StaleEdit;

/**
 * Saves an outbox source only after its table checked out on its connection. A new one is paused, so
 * an operator switches it on once the templates for its groups are ready. With `version` (the one the
 * form was loaded at), a save over a newer change is refused.
 */
export async function saveOutboxSource(
  deps: Pick<Deps, "db" | "clock" | "connections">,
  { id, version, input, by = null }: { id?: string; version?: number; input: OutboxSourceInput; by?: string | null },
): Promise<SaveOutboxSourceResult> {
  const existing = id ? await findOutboxSourceById(deps.db, { id }) : null;
  if (id && !existing) return { status: "gone" };
  const checked = await checkOutboxTable(deps, {
    connectionId: input.connectionId,
    tableName: input.tableName,
    after: existing?.checkpoint ?? 0,
  });
  if (!checked.ok) return { status: "invalid", fieldErrors: { [checked.field]: [checked.message] } };
  if (!existing) {
    const source = await insertOutboxSource(deps.db, { ...input, updatedBy: by });
    return source
      ? { status: "ok", source }
      : { status: "invalid", fieldErrors: { name: ["Another outbox source has this name."] } };
  }
  const updated = await updateOutboxSourceById(deps.db, {
    id: existing.id,
    version,
    changes: input,
    by,
    at: deps.clock(),
  });
  if (updated === "taken")
    return { status: "invalid", fieldErrors: { name: ["Another outbox source has this name."] } };
  // No version table for outbox sources: the refusal can say who and when, not which fields.
  if (updated && "stale" in updated) return staleEdit(deps, updated.stale, null);
  return updated ? { status: "ok", source: updated } : { status: "gone" };
}

/** The active switch. Switching on reads from where the source stopped, gaps included. */
export async function setOutboxSourceActiveState(
  deps: Pick<Deps, "db" | "clock">,
  { id, active, by = null }: { id: string; active: boolean; by?: string | null },
): Promise<{ status: "ok"; source: OutboxSource } | { status: "gone" }> {
  const source = await setOutboxSourceActive(deps.db, { id, active, by, at: deps.clock() });
  return source ? { status: "ok", source } : { status: "gone" };
}

/** Deletes an outbox source; the events it recorded stay in the log (they name it as a deleted source). */
export async function deleteOutboxSource(
  deps: Pick<Deps, "db">,
  { id }: { id: string },
): Promise<{ status: "ok" | "gone" }> {
  return (await deleteOutboxSourceById(deps.db, { id })) ? { status: "ok" } : { status: "gone" };
}
