"use client";

import { useEffect, useState } from "react";
import { qualifiedName, quoteIdentifier } from "@/spark/connections/identifiers";
import type { ConnectionSchema, ReadSchemaResult } from "@/spark/connections/schema";
import { formatCount } from "@/components/ui/format";

// information_schema spells types out; these are the names an operator writes.
const SHORT_TYPES: Record<string, string> = {
  "timestamp with time zone": "timestamptz",
  "timestamp without time zone": "timestamp",
  "time with time zone": "timetz",
  "time without time zone": "time",
  "character varying": "varchar",
  "double precision": "float8",
};
const shortType = (type: string) => SHORT_TYPES[type] ?? type;

export type ReadSchema = (input: { connectionId: string }) => Promise<ReadSchemaResult>;

/**
 * The tables and columns the chosen connection's user can read, beside the SQL editor: a click puts a
 * table's qualified name or a column's name at the editor's cursor, quoted as the connection needs.
 */
export function SchemaBrowser({
  connectionId,
  kind,
  read,
  onInsert,
  onLoad,
}: {
  connectionId: string;
  kind: string | null;
  read: ReadSchema;
  onInsert: (text: string) => void;
  /** The tables once read, for the editor's completions; null while none are known. */
  onLoad?: (schema: ConnectionSchema | null) => void;
}) {
  const [loaded, setLoaded] = useState<{ connectionId: string; result: ReadSchemaResult } | null>(null);
  const [filter, setFilter] = useState("");
  useEffect(() => {
    if (connectionId === "") return;
    let current = true;
    read({ connectionId })
      .catch((): ReadSchemaResult => ({
        ok: false,
        message: "The tables could not be read: check that Spark is running and try again.",
      }))
      .then((result) => {
        // A slower answer for a connection chosen before must not replace the one chosen now.
        if (current) setLoaded({ connectionId, result });
      });
    return () => {
      current = false;
    };
  }, [connectionId, read]);

  const result = loaded?.connectionId === connectionId ? loaded.result : null;
  useEffect(() => {
    onLoad?.(result?.ok ? result.schema : null);
  }, [result, onLoad]);
  const words = filter.trim().toLowerCase();
  const tables =
    result?.ok === true
      ? result.schema.tables.filter(
          (t) =>
            words === "" ||
            `${t.schema}.${t.name}`.toLowerCase().includes(words) ||
            t.columns.some((c) => c.name.toLowerCase().includes(words)),
        )
      : [];
  // The sample database is PostgreSQL: only MySQL quotes differently.
  const dialect = kind === "mysql" ? "mysql" : "postgres";
  return (
    <section
      aria-label="Tables"
      aria-busy={connectionId !== "" && result === null}
      // Beside the editor (lg), as tall as it is and scrolling inside; under it on narrow screens.
      className="flex max-h-[28rem] min-w-0 flex-col rounded-md bg-zinc-50 ring-1 ring-zinc-200 ring-inset lg:absolute lg:inset-0 lg:max-h-none"
    >
      <div className="space-y-1.5 border-b border-zinc-200 p-2">
        <h3 className="text-xs font-medium tracking-wide text-zinc-500 uppercase">Tables</h3>
        <input
          type="search"
          aria-label="Find a table or column"
          placeholder="Find a table or column"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          className="w-full rounded border-0 bg-white px-2 py-1 text-xs ring-1 ring-zinc-300 ring-inset focus:ring-2 focus:ring-spark-500"
        />
      </div>
      <div className="min-h-0 flex-1 overflow-auto p-2 text-xs">
        {connectionId === "" ? (
          <p className="text-zinc-500">Choose a connection to see its tables.</p>
        ) : result === null ? (
          <p className="text-zinc-500">Reading the tables…</p>
        ) : !result.ok ? (
          <p className="text-red-700">{result.message}</p>
        ) : tables.length === 0 ? (
          <p className="text-zinc-500">
            {words === "" ? "The connection's user can read no tables." : "No table or column matches."}
          </p>
        ) : (
          <ul className="space-y-2">
            {tables.map((table) => {
              const name = qualifiedName(dialect, table.schema, table.name);
              return (
                <li key={`${table.schema}.${table.name}`}>
                  <button
                    type="button"
                    onClick={() => onInsert(name)}
                    aria-label={`Insert ${name}`}
                    title={`Insert ${name} at the cursor`}
                    className="max-w-full truncate rounded px-1 font-mono font-semibold text-zinc-900 hover:bg-spark-100"
                  >
                    {table.schema}.{table.name}
                  </button>
                  <ul className="ml-2 border-l border-zinc-200 pl-2">
                    {table.columns.map((column) => {
                      const text = quoteIdentifier(dialect, column.name);
                      return (
                        <li key={column.name} className="flex min-w-0 items-baseline justify-between gap-2">
                          {/* The name wins the width; a long type is cut first. */}
                          <button
                            type="button"
                            onClick={() => onInsert(text)}
                            aria-label={`Insert column ${column.name} of ${table.schema}.${table.name}`}
                            title={`Insert ${text} at the cursor`}
                            className="max-w-full shrink-0 truncate rounded px-1 font-mono text-zinc-700 hover:bg-spark-100"
                          >
                            {column.name}
                          </button>
                          <span className="min-w-0 truncate text-zinc-400" title={column.type}>
                            {shortType(column.type)}
                          </span>
                        </li>
                      );
                    })}
                  </ul>
                </li>
              );
            })}
          </ul>
        )}
        {result?.ok && result.schema.truncated ? (
          <p className="mt-2 text-zinc-500">
            Only the first{" "}
            {formatCount(
              result.schema.tables.reduce((n, t) => n + t.columns.length, 0),
              "column",
            )}{" "}
            are listed.
          </p>
        ) : null}
      </div>
    </section>
  );
}
