import { z } from "zod";
import type { Db } from "@/db/client";
import { listConnections } from "@/db/queries/connections";
import { findOutboxSourceById, listOutboxSources } from "@/db/queries/outbox-sources";
import type { ConnectionKind, OutboxSource } from "@/db/schema";
import { gapIds } from "@/spark/outbox/gaps";
import type { ConnectionChoice } from "./sources";

/** What the list and the edit page show of a source's reading: where it is, what it waits for, how it went. */
export type OutboxStatus = {
  checkpoint: number;
  /** Ranges of missing ids still waited for, and how many ids they hold. */
  openGaps: number;
  gapIds: number;
  lastReadAt: Date | null;
  lastError: string | null;
};

export type OutboxSourceRow = {
  id: string;
  name: string;
  description: string;
  tableName: string;
  active: boolean;
  connectionName: string | null;
  connectionKind: ConnectionKind | null;
  status: OutboxStatus;
};

export const statusOf = (source: OutboxSource): OutboxStatus => ({
  checkpoint: Number(source.checkpoint),
  openGaps: source.gaps.length,
  gapIds: gapIds(source.gaps),
  lastReadAt: source.lastReadAt,
  lastError: source.lastError,
});

/** The outbox sources for the sources page, each with its connection's name and its reading status. */
export async function loadOutboxSources(db: Db): Promise<OutboxSourceRow[]> {
  const [sources, connections] = await Promise.all([listOutboxSources(db), listConnections(db)]);
  const byId = new Map(connections.map((c) => [c.id, c]));
  return sources.map((s) => ({
    id: s.id,
    name: s.name,
    description: s.description,
    tableName: s.tableName,
    active: s.active,
    connectionName: byId.get(s.connectionId)?.name ?? null,
    connectionKind: byId.get(s.connectionId)?.kind ?? null,
    status: statusOf(s),
  }));
}

// An outbox lives in an application's database: the sample database holds none, so it is not offered.
const choicesOf = (connections: { id: string; name: string; kind: ConnectionKind }[]): ConnectionChoice[] =>
  connections.filter((c) => c.kind !== "sample").map((c) => ({ id: c.id, name: c.name, kind: c.kind }));

/** What the new outbox source form offers: the connections to applications' databases. */
export async function loadNewOutboxSource(db: Db): Promise<{ connections: ConnectionChoice[] }> {
  return { connections: choicesOf(await listConnections(db)) };
}

/** An outbox source to edit, with its status and the connections it may read from; null when there is none. */
export async function loadOutboxSourceEditor(
  db: Db,
  id: string,
): Promise<{ source: OutboxSource; status: OutboxStatus; connections: ConnectionChoice[] } | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const source = await findOutboxSourceById(db, { id });
  if (!source) return null;
  const connections = await listConnections(db);
  // A source saved on a connection no longer offered keeps it listed, so the form does not change it silently.
  const offered = choicesOf(connections);
  const own = connections.find((c) => c.id === source.connectionId);
  if (own && !offered.some((c) => c.id === own.id)) offered.unshift({ id: own.id, name: own.name, kind: own.kind });
  return { source, status: statusOf(source), connections: offered };
}
