import type { Db } from "@/db/client";
import { listSqlSources } from "@/db/queries/sql-sources";
import type { SourceOption } from "@/spark/generators/generators";
import { codeSourceRef, sqlSourceRef } from "@/spark/sources/resolve";
import type { CodeSource } from "@/spark/sources/types";

export type { SourceOption };

/**
 * Every source a generator can pick, with their variables for the form and the log filters: the code
 * sources registered at start (the engine's `deps.sources`) first, then the operators' SQL sources.
 */
export async function listSourceOptions(db: Db, sources: readonly CodeSource[]): Promise<SourceOption[]> {
  const sql = await listSqlSources(db);
  return [
    ...sources.map((s) => ({
      ref: codeSourceRef(s.name),
      kind: "code" as const,
      label: s.label,
      description: s.description,
      variables: s.variables,
    })),
    ...sql.map((s) => ({
      ref: sqlSourceRef(s.id),
      kind: "sql" as const,
      label: s.name,
      description: s.description,
      variables: s.variables,
    })),
  ];
}
