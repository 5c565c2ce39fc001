import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { connections, sqlSources, type Connection, type ConnectionKind } from "../schema";

type Conn = Db | Tx;

/** The built-in sample connection's id, fixed by migration 0008. */
export const SAMPLE_CONNECTION_ID = "00000000-0000-4000-8000-00000000a001";

export type ConnectionValues = {
  name: string;
  kind: ConnectionKind;
  host: string;
  port: number | null;
  database: string;
  username: string;
  ssl: boolean;
};

export async function listConnections(db: Conn): Promise<Connection[]> {
  return db.select().from(connections).orderBy(asc(connections.name));
}

export async function findConnectionById(db: Conn, { id }: { id: string }): Promise<Connection | null> {
  const [row] = await db.select().from(connections).where(eq(connections.id, id));
  return row ?? null;
}

/** Null when the name is taken. */
export async function insertConnection(
  db: Conn,
  {
    values,
    passwordSealed,
    origin,
    by,
  }: { values: ConnectionValues; passwordSealed: string | null; origin: "ui" | "env"; by: string | null },
): Promise<Connection | null> {
  const [row] = await db
    .insert(connections)
    .values({ ...values, passwordSealed, origin, updatedBy: by })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/** "taken" when another connection has the name, "stale" when it changed since `version`, null when gone. */
export async function updateConnectionById(
  db: Conn,
  {
    id,
    version,
    values,
    passwordSealed,
    at,
    by,
  }: {
    id: string;
    version: number;
    values: ConnectionValues;
    passwordSealed: string | null | undefined;
    at: Date;
    by: string | null;
  },
): Promise<Connection | null | "taken" | "stale"> {
  const [clash] = await db
    .select({ id: connections.id })
    .from(connections)
    .where(and(sql`lower(${connections.name}) = lower(${values.name})`, sql`${connections.id} <> ${id}`));
  if (clash) return "taken";
  const changes = {
    ...values,
    ...(passwordSealed === undefined ? {} : { passwordSealed }),
    updatedAt: at,
    updatedBy: by,
    version: sql`${connections.version} + 1`,
    checkedAt: null,
    checkError: null,
  };
  const [row] = await db
    .update(connections)
    .set(changes)
    .where(and(eq(connections.id, id), eq(connections.version, version)))
    .returning();
  if (row) return row;
  return (await findConnectionById(db, { id })) ? "stale" : null;
}

export async function recordConnectionCheck(
  db: Conn,
  { id, at, error }: { id: string; at: Date; error: string | null },
) {
  await db.update(connections).set({ checkedAt: at, checkError: error }).where(eq(connections.id, id));
}

export async function deleteConnectionById(db: Conn, { id }: { id: string }): Promise<boolean> {
  const rows = await db.delete(connections).where(eq(connections.id, id)).returning({ id: connections.id });
  return rows.length === 1;
}

export async function listSqlSourceNamesByConnection(db: Conn, { id }: { id: string }): Promise<string[]> {
  const rows = await db
    .select({ name: sqlSources.name })
    .from(sqlSources)
    .where(eq(sqlSources.connectionId, id))
    .orderBy(asc(sqlSources.name));
  return rows.map((r) => r.name);
}

/** Makes the environment's connections rows (without their passwords), and drops those no longer declared. */
export async function syncEnvConnections(db: Conn, declared: ConnectionValues[]): Promise<void> {
  const existing = await db.select().from(connections).where(eq(connections.origin, "env"));
  for (const values of declared) {
    const found = existing.find((c) => c.name.toLowerCase() === values.name.toLowerCase());
    if (found)
      await db
        .update(connections)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(connections.id, found.id));
    else
      await db
        .insert(connections)
        .values({ ...values, origin: "env" })
        .onConflictDoNothing();
  }
  for (const gone of existing.filter((c) => !declared.some((d) => d.name.toLowerCase() === c.name.toLowerCase()))) {
    const users = await listSqlSourceNamesByConnection(db, { id: gone.id });
    // A source still names it: keep the row, so the source shows which connection it needs back.
    if (users.length === 0) await deleteConnectionById(db, { id: gone.id });
  }
}
