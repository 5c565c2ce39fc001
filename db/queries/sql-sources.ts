import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { sqlSources, type SqlSource, type VariableSpec } from "../schema";

type Conn = Db | Tx;

export async function listSqlSources(db: Conn): Promise<SqlSource[]> {
  return db.select().from(sqlSources).orderBy(asc(sqlSources.name));
}

export async function findSqlSourceById(db: Conn, { id }: { id: string }): Promise<SqlSource | null> {
  const [row] = await db.select().from(sqlSources).where(eq(sqlSources.id, id));
  return row ?? null;
}

/** Null when the name is taken. */
export async function insertSqlSource(
  db: Conn,
  source: {
    name: string;
    description: string;
    connectionId: string;
    query: string;
    variables: Record<string, VariableSpec>;
    updatedBy?: string | null;
  },
): Promise<SqlSource | null> {
  const [row] = await db.insert(sqlSources).values(source).onConflictDoNothing().returning();
  return row ?? null;
}

/**
 * "taken" when another source has the name, null when this one is gone, and the current row as `stale`
 * when it is no longer at `version` (check and bump in one UPDATE).
 */
export async function updateSqlSourceById(
  db: Conn,
  {
    id,
    version,
    changes,
    by = null,
    at,
  }: {
    id: string;
    version?: number;
    changes: {
      name: string;
      description: string;
      connectionId: string;
      query: string;
      variables: Record<string, VariableSpec>;
    };
    by?: string | null;
    at: Date;
  },
): Promise<SqlSource | null | "taken" | { stale: SqlSource }> {
  const [clash] = await db
    .select({ id: sqlSources.id })
    .from(sqlSources)
    .where(and(eq(sqlSources.name, changes.name), sql`${sqlSources.id} <> ${id}`));
  if (clash) return "taken";
  const [row] = await db
    .update(sqlSources)
    .set({ ...changes, updatedAt: at, updatedBy: by, version: sql`${sqlSources.version} + 1` })
    .where(and(eq(sqlSources.id, id), version === undefined ? undefined : eq(sqlSources.version, version)))
    .returning();
  if (row) return row;
  const current = await findSqlSourceById(db, { id });
  return current ? { stale: current } : null;
}

export async function deleteSqlSourceById(db: Conn, { id }: { id: string }): Promise<boolean> {
  const rows = await db.delete(sqlSources).where(eq(sqlSources.id, id)).returning({ id: sqlSources.id });
  return rows.length === 1;
}
