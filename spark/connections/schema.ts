import type { Deps } from "../deps";
import { isConnectionError } from "./types";

/**
 * How many columns the schema browser lists at most. A catalog can hold hundreds of thousands of
 * columns; the database stops at this many (one more, to know there were more), so neither the server
 * nor the page ever holds more than this, however large the catalog.
 */
export const SCHEMA_COLUMN_LIMIT = 2_000;

export type SchemaTable = { schema: string; name: string; columns: { name: string; type: string }[] };
export type ConnectionSchema = { tables: SchemaTable[]; truncated: boolean };
export type ReadSchemaResult = { ok: true; schema: ConnectionSchema } | { ok: false; message: string };

// The catalog as the connection's user sees it: information_schema lists only the tables and columns
// that user holds a privilege on, so the browser shows no more than the user's own queries could read.
// The text is fixed: nothing from the request reaches it.
const POSTGRES_CATALOG = `select c.table_schema as schema_name, c.table_name as table_name, c.column_name as column_name, c.data_type as data_type
from information_schema.columns c
where c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\\_%'
  and has_schema_privilege(c.table_schema, 'USAGE')
order by c.table_schema, c.table_name, c.ordinal_position
limit ${SCHEMA_COLUMN_LIMIT + 1}`;

const MYSQL_CATALOG = `select c.table_schema as schema_name, c.table_name as table_name, c.column_name as column_name, c.data_type as data_type
from information_schema.columns c
where c.table_schema not in ('mysql', 'sys', 'performance_schema', 'information_schema')
order by c.table_schema, c.table_name, c.ordinal_position
limit ${SCHEMA_COLUMN_LIMIT + 1}`;

type CatalogRow = { schema_name: unknown; table_name: unknown; column_name: unknown; data_type: unknown };

/** Catalog rows (ordered by schema, table, position) as tables with their columns. */
export function tablesOf(rows: CatalogRow[]): ConnectionSchema {
  const truncated = rows.length > SCHEMA_COLUMN_LIMIT;
  const tables: SchemaTable[] = [];
  for (const row of rows.slice(0, SCHEMA_COLUMN_LIMIT)) {
    const schema = String(row.schema_name);
    const name = String(row.table_name);
    let table = tables.at(-1);
    if (!table || table.schema !== schema || table.name !== name) {
      table = { schema, name, columns: [] };
      tables.push(table);
    }
    table.columns.push({ name: String(row.column_name), type: String(row.data_type) });
  }
  return { tables, truncated };
}

/**
 * The tables and columns a connection's user can read, for the schema browser beside the SQL editor.
 * It reads through the connection's own read path: its least-privileged user, a read-only session,
 * the privilege check and the statement timeout every read has.
 */
export async function readConnectionSchema(
  { connections }: Pick<Deps, "connections">,
  { connectionId }: { connectionId: string },
): Promise<ReadSchemaResult> {
  try {
    const connection = await connections.open(connectionId);
    const batch = await connection.query(connection.kind === "mysql" ? MYSQL_CATALOG : POSTGRES_CATALOG, []);
    return { ok: true, schema: tablesOf(batch.rows as CatalogRow[]) };
  } catch (error) {
    if (isConnectionError(error)) return { ok: false, message: error.message };
    return { ok: false, message: `The tables could not be read: ${(error as Error).message}` };
  }
}
