import type { ConnectionKind } from "@/db/schema";

// Words PostgreSQL and MySQL reserve that are also likely names of tables and columns: written bare,
// they would be read as SQL, so the schema browser quotes them.
const RESERVED = new Set([
  "all",
  "and",
  "as",
  "asc",
  "between",
  "by",
  "case",
  "check",
  "column",
  "constraint",
  "create",
  "current_date",
  "current_time",
  "current_user",
  "default",
  "delete",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "from",
  "grant",
  "group",
  "having",
  "in",
  "index",
  "insert",
  "interval",
  "into",
  "is",
  "join",
  "key",
  "left",
  "like",
  "limit",
  "not",
  "null",
  "offset",
  "on",
  "or",
  "order",
  "primary",
  "range",
  "references",
  "right",
  "select",
  "table",
  "then",
  "to",
  "true",
  "union",
  "unique",
  "update",
  "user",
  "using",
  "values",
  "when",
  "where",
  "window",
  "with",
]);

/**
 * A table or column name as it must be written in a query on this kind of connection: bare when it
 * reads the same unquoted, quoted otherwise ("Mixed Case", "order", `my-table`).
 */
export function quoteIdentifier(kind: ConnectionKind, name: string): string {
  if (kind === "mysql")
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name.toLowerCase())
      ? name
      : `\`${name.replace(/`/g, "``")}\``;
  // PostgreSQL folds unquoted names to lower case, so any upper-case letter needs quotes.
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A table's name qualified by its schema, each part quoted as it needs. */
export const qualifiedName = (kind: ConnectionKind, schema: string, table: string) =>
  `${quoteIdentifier(kind, schema)}.${quoteIdentifier(kind, table)}`;
