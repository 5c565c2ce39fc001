import { findSqlSourceById } from "@/db/queries/sql-sources";
import type { Deps } from "../deps";
import { connectionOfSource, streamSqlSource } from "./sql";
import { SourceError, type ResolvedSource } from "./types";

export const codeSourceRef = (name: string) => `code:${name}`;
export const sqlSourceRef = (id: string) => `sql:${id}`;

/** Turns a generator's source reference into something that streams candidates, or a SourceError that says why not. */
export async function resolveSource(
  deps: Pick<Deps, "db" | "sources" | "connections">,
  { ref }: { ref: string },
): Promise<ResolvedSource> {
  const [kind, name] = [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)];
  if (kind === "code") {
    const source = deps.sources.find((s) => s.name === name);
    if (!source)
      throw new SourceError(
        `No code source is named '${name}'; it is no longer registered (the demo's sources need SPARK_DEMO on; yours are listed in extensions/).`,
      );
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
    const row = await findSqlSourceById(deps.db, { id: name });
    if (!row) throw new SourceError("Its SQL source was deleted.");
    const connection = await connectionOfSource(deps.connections, row.connectionId);
    return {
      ref,
      label: row.name,
      variables: row.variables,
      batches: (ctx) => streamSqlSource(connection, row.query, { batchSize: ctx.batchSize }),
    };
  }
  throw new SourceError(`Unknown source '${ref}'.`);
}
