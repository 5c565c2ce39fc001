import { findSqlSourceById } from "@/db/queries/sql-sources";
import type { Database } from "@/db/client";
import type { Connections } from "../connections";
import { codeSources } from "./registry";
import { connectionOfSource, streamSqlSource } from "./sql";
import { SourceError, type CodeSource, type ResolvedSource } from "./types";

export const codeSourceRef = (name: string) => `code:${name}`;
export const sqlSourceRef = (id: string) => `sql:${id}`;

/** Turns a generator's source reference into something that streams candidates, or a SourceError that says why not. */
export async function resolveSource(
  ref: string,
  {
    database,
    registry = codeSources,
    connections,
  }: { database: Database; registry?: readonly CodeSource[]; connections?: Connections },
): Promise<ResolvedSource> {
  const [kind, name] = [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)];
  if (kind === "code") {
    const source = registry.find((s) => s.name === name);
    if (!source)
      throw new SourceError(`No code source is named '${name}'; it may have been removed from spark/sources.`);
    return {
      ref,
      label: source.label,
      variables: source.variables,
      async *batches(ctx) {
        for await (const batch of source.candidates(ctx)) {
          yield batch.map((candidate) => ({ id: String(candidate.id), context: source.context(candidate, ctx) }));
        }
      },
    };
  }
  if (kind === "sql" && /^[0-9a-f-]{36}$/i.test(name)) {
    const row = await findSqlSourceById(database.db, { id: name });
    if (!row) throw new SourceError("Its SQL source was deleted.");
    const connection = await connectionOfSource(connections, row.connectionId);
    return {
      ref,
      label: row.name,
      variables: row.variables,
      batches: (ctx) => streamSqlSource(connection, row.query, { batchSize: ctx.batchSize }),
    };
  }
  throw new SourceError(`Unknown source '${ref}'.`);
}
