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
  },
): Promise<SqlSource | null> {
  const [row] = await db.insert(sqlSources).values(source).onConflictDoNothing().returning();
  return row ?? null;
}

export async function updateSqlSourceById(
  db: Conn,
  {
    id,
    changes,
    at,
  }: {
    id: string;
    changes: {
      name: string;
      description: string;
      connectionId: string;
      query: string;
      variables: Record<string, VariableSpec>;
    };
    at: Date;
  },
): Promise<SqlSource | null | "taken"> {
  const [clash] = await db
    .select({ id: sqlSources.id })
    .from(sqlSources)
    .where(and(eq(sqlSources.name, changes.name), sql`${sqlSources.id} <> ${id}`));
  if (clash) return "taken";
  const [row] = await db
    .update(sqlSources)
    .set({ ...changes, updatedAt: at })
    .where(eq(sqlSources.id, id))
    .returning();
  return row ?? null;
}

export async function deleteSqlSourceById(db: Conn, { id }: { id: string }): Promise<boolean> {
  const rows = await db.delete(sqlSources).where(eq(sqlSources.id, id)).returning({ id: sqlSources.id });
  return rows.length === 1;
}
