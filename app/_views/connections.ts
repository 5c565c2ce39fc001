import { listOutboxSourceNamesByConnection } from "@/db/queries/outbox-sources";
import type { Db } from "@/db/client";
import { findConnectionById, listConnections, listSqlSourceNamesByConnection } from "@/db/queries/connections";
import { listSqlSources } from "@/db/queries/sql-sources";
import type { Connection } from "@/db/schema";
import { z } from "zod";
import { flashParam, type Params } from "./list-params";

/** A connection as a page may see it: whether it has a stored password, never the sealed password. */
export type ConnectionView = Omit<Connection, "passwordSealed"> & { hasPassword: boolean };

function viewOf({ passwordSealed, ...connection }: Connection): ConnectionView {
  return { ...connection, hasPassword: passwordSealed !== null };
}

export type ConnectionsView = {
  /** Each connection with the names of the SQL sources that read from it. */
  connections: (ConnectionView & { sourceNames: string[] })[];
  saved: string | null;
  deleted: string | null;
};

/** Settings → Connections: every connection, who reads from it, and what the last form action did. */
export async function loadConnections(db: Db, params: Params): Promise<ConnectionsView> {
  const [connections, sources] = await Promise.all([listConnections(db), listSqlSources(db)]);
  return {
    connections: connections.map((c) => ({
      ...viewOf(c),
      sourceNames: sources.filter((s) => s.connectionId === c.id).map((s) => s.name),
    })),
    saved: flashParam(params, "saved"),
    deleted: flashParam(params, "deleted"),
  };
}

/**
 * A connection the UI may edit, with the SQL sources that read from it; null for one declared in the
 * environment, the built-in sample, or an id that is not one.
 */
export async function loadEditableConnection(
  db: Db,
  id: string,
): Promise<{ connection: ConnectionView; sourceNames: string[] } | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const connection = await findConnectionById(db, { id });
  if (!connection || connection.origin !== "ui" || connection.kind === "sample") return null;
  const [sql, outbox] = await Promise.all([
    listSqlSourceNamesByConnection(db, { id }),
    listOutboxSourceNamesByConnection(db, { id }),
  ]);
  return { connection: viewOf(connection), sourceNames: [...sql, ...outbox.map((name) => `${name} (outbox table)`)] };
}
