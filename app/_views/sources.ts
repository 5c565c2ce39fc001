import { z } from "zod";
import type { Db } from "@/db/client";
import { listConnections, SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { listGenerators, listGeneratorsBySource } from "@/db/queries/generators";
import { findSqlSourceById, listSqlSources } from "@/db/queries/sql-sources";
import type { ConnectionKind, SqlSource, VariableSpec } from "@/db/schema";
import { codeSourceRef, sqlSourceRef } from "@/spark/sources/resolve";
import type { CodeSource } from "@/spark/sources/types";
import { flashParam, type Params } from "./list-params";

/** A connection as the SQL source form offers it. */
export type ConnectionChoice = { id: string; name: string; kind: ConnectionKind };

export type SourcesView = {
  /** Each SQL source with its connection's name (null when it has none) and the generators that use it. */
  sqlSources: (SqlSource & { connectionName: string | null; usedBy: string[] })[];
  codeSources: {
    name: string;
    label: string;
    description: string;
    variables: Record<string, VariableSpec>;
    usedBy: string[];
  }[];
  saved: string | null;
  deleted: string | null;
};

/** The sources page: the operators' SQL sources, the code sources registered at start, and who uses each. */
export async function loadSources(
  db: Db,
  { params, sources }: { params: Params; sources: readonly CodeSource[] },
): Promise<SourcesView> {
  const [sqlSources, generators, connections] = await Promise.all([
    listSqlSources(db),
    listGenerators(db),
    listConnections(db),
  ]);
  const connectionNames = new Map(connections.map((c) => [c.id, c.name]));
  const usedBy = (ref: string) => generators.filter((g) => g.source === ref).map((g) => g.name);
  return {
    sqlSources: sqlSources.map((s) => ({
      ...s,
      connectionName: (s.connectionId && connectionNames.get(s.connectionId)) ?? null,
      usedBy: usedBy(sqlSourceRef(s.id)),
    })),
    codeSources: sources.map((s) => ({
      name: s.name,
      label: s.label,
      description: s.description,
      variables: s.variables,
      usedBy: usedBy(codeSourceRef(s.name)),
    })),
    saved: flashParam(params, "saved"),
    deleted: flashParam(params, "deleted"),
  };
}

const choicesOf = (connections: { id: string; name: string; kind: ConnectionKind }[]): ConnectionChoice[] =>
  connections.map((c) => ({ id: c.id, name: c.name, kind: c.kind }));

/** What the new SQL source form offers: every connection, the sample's first. */
export async function loadNewSqlSource(db: Db): Promise<{ connections: ConnectionChoice[]; connectionId: string }> {
  return { connections: choicesOf(await listConnections(db)), connectionId: SAMPLE_CONNECTION_ID };
}

/** A SQL source to edit, the generators that use it, and the connections it may read from; null when there is none. */
export async function loadSqlSourceEditor(
  db: Db,
  id: string,
): Promise<{ source: SqlSource; usedBy: string[]; connections: ConnectionChoice[] } | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const source = await findSqlSourceById(db, { id });
  if (!source) return null;
  const [generators, connections] = await Promise.all([
    listGeneratorsBySource(db, { source: sqlSourceRef(source.id) }),
    listConnections(db),
  ]);
  return { source, usedBy: generators.map((g) => g.name), connections: choicesOf(connections) };
}
