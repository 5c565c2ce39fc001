import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { outboxSources, type OutboxGap, type OutboxSource } from "../schema";

type Conn = Db | Tx;

export type OutboxSourceValues = { name: string; description: string; connectionId: string; tableName: string };

export async function listOutboxSources(db: Conn): Promise<OutboxSource[]> {
  return db.select().from(outboxSources).orderBy(asc(outboxSources.name));
}

export async function listActiveOutboxSources(db: Conn): Promise<OutboxSource[]> {
  return db.select().from(outboxSources).where(eq(outboxSources.active, true)).orderBy(asc(outboxSources.name));
}

export async function findOutboxSourceById(db: Conn, { id }: { id: string }): Promise<OutboxSource | null> {
  const [row] = await db.select().from(outboxSources).where(eq(outboxSources.id, id));
  return row ?? null;
}

export async function listOutboxSourceNamesByConnection(db: Conn, { id }: { id: string }): Promise<string[]> {
  const rows = await db
    .select({ name: outboxSources.name })
    .from(outboxSources)
    .where(eq(outboxSources.connectionId, id))
    .orderBy(asc(outboxSources.name));
  return rows.map((r) => r.name);
}

/** Null when the name is taken. A new source starts paused, at checkpoint 0. */
export async function insertOutboxSource(
  db: Conn,
  source: OutboxSourceValues & { updatedBy?: string | null },
): Promise<OutboxSource | null> {
  const [row] = await db.insert(outboxSources).values(source).onConflictDoNothing().returning();
  return row ?? null;
}

/**
 * "taken" when another source has the name, null when this one is gone, and the current row as `stale`
 * when it is no longer at `version` (checked and bumped in one UPDATE). A change of connection or table
 * starts reading from the beginning: the checkpoint and gaps described another table's ids.
 */
export async function updateOutboxSourceById(
  db: Conn,
  {
    id,
    version,
    changes,
    by = null,
    at,
  }: { id: string; version?: number; changes: OutboxSourceValues; by?: string | null; at: Date },
): Promise<OutboxSource | null | "taken" | { stale: OutboxSource }> {
  const [clash] = await db
    .select({ id: outboxSources.id })
    .from(outboxSources)
    .where(and(eq(outboxSources.name, changes.name), sql`${outboxSources.id} <> ${id}`));
  if (clash) return "taken";
  const moved = sql`(${outboxSources.connectionId} <> ${changes.connectionId} or ${outboxSources.tableName} <> ${changes.tableName})`;
  const [row] = await db
    .update(outboxSources)
    .set({
      ...changes,
      checkpoint: sql`case when ${moved} then 0 else ${outboxSources.checkpoint} end`,
      gaps: sql`case when ${moved} then '[]'::jsonb else ${outboxSources.gaps} end`,
      updatedAt: at,
      updatedBy: by,
      version: sql`${outboxSources.version} + 1`,
    })
    .where(and(eq(outboxSources.id, id), version === undefined ? undefined : eq(outboxSources.version, version)))
    .returning();
  if (row) return row;
  const current = await findOutboxSourceById(db, { id });
  return current ? { stale: current } : null;
}

/** The active switch; it bumps the version, so an edit form opened before the flip says so on save. */
export async function setOutboxSourceActive(
  db: Conn,
  { id, active, by = null, at }: { id: string; active: boolean; by?: string | null; at: Date },
): Promise<OutboxSource | null> {
  const [row] = await db
    .update(outboxSources)
    .set({ active, updatedAt: at, updatedBy: by, version: sql`${outboxSources.version} + 1` })
    .where(eq(outboxSources.id, id))
    .returning();
  return row ?? null;
}

/**
 * Where a pass got to: written after each batch is recorded. The version is left alone (a pass is not
 * an edit), and a row whose connection or table changed since the pass read it is not moved: its
 * position would be that of the old table.
 */
export async function saveOutboxProgress(
  db: Conn,
  {
    id,
    connectionId,
    tableName,
    checkpoint,
    gaps,
    readAt,
    lastError,
  }: {
    id: string;
    connectionId: string;
    tableName: string;
    checkpoint: number;
    gaps: OutboxGap[];
    /** Null when the pass failed: the page's "last read" stays the last read that worked. */
    readAt: Date | null;
    lastError: string | null;
  },
): Promise<boolean> {
  const rows = await db
    .update(outboxSources)
    .set({ checkpoint, gaps, lastError, ...(readAt ? { lastReadAt: readAt } : {}) })
    .where(
      and(
        eq(outboxSources.id, id),
        eq(outboxSources.connectionId, connectionId),
        eq(outboxSources.tableName, tableName),
      ),
    )
    .returning({ id: outboxSources.id });
  return rows.length === 1;
}

export async function deleteOutboxSourceById(db: Conn, { id }: { id: string }): Promise<boolean> {
  const rows = await db.delete(outboxSources).where(eq(outboxSources.id, id)).returning({ id: outboxSources.id });
  return rows.length === 1;
}
