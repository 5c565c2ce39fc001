import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { generators, type Generator, type NewGenerator } from "../schema";

type Conn = Db | Tx;

export async function listGenerators(db: Conn): Promise<Generator[]> {
  return db
    .select()
    .from(generators)
    .orderBy(asc(sql`lower(${generators.name})`));
}

export async function listActiveGenerators(db: Conn): Promise<Generator[]> {
  return db
    .select()
    .from(generators)
    .where(eq(generators.active, true))
    .orderBy(asc(sql`lower(${generators.name})`));
}

export async function listGeneratorsBySource(db: Conn, { source }: { source: string }): Promise<Generator[]> {
  return db.select().from(generators).where(eq(generators.source, source)).orderBy(asc(generators.name));
}

export async function findGeneratorById(db: Conn, { id }: { id: string }): Promise<Generator | null> {
  const [row] = await db.select().from(generators).where(eq(generators.id, id));
  return row ?? null;
}

/** Null when another generator already has this name (case-insensitively). */
export async function insertGenerator(db: Conn, generator: NewGenerator): Promise<Generator | null> {
  const [row] = await db.insert(generators).values(generator).onConflictDoNothing().returning();
  return row ?? null;
}

export type GeneratorChanges = Pick<NewGenerator, "name" | "group" | "source" | "conditions" | "active">;

/**
 * "taken" when the new name belongs to another generator, null when the generator is gone, and the
 * current row as `stale` when it is no longer at `version`: the check and the bump are one UPDATE, so
 * of two saves from the same version exactly one wins.
 */
export async function updateGeneratorById(
  db: Conn,
  {
    id,
    version,
    changes,
    by = null,
    at,
  }: { id: string; version?: number; changes: GeneratorChanges; by?: string | null; at: Date },
): Promise<Generator | null | "taken" | { stale: Generator }> {
  const [clash] = await db
    .select({ id: generators.id })
    .from(generators)
    .where(and(eq(sql`lower(${generators.name})`, changes.name.toLowerCase()), sql`${generators.id} <> ${id}`));
  if (clash) return "taken";
  const [row] = await db
    .update(generators)
    .set({ ...changes, updatedAt: at, updatedBy: by, version: sql`${generators.version} + 1` })
    .where(and(eq(generators.id, id), version === undefined ? undefined : eq(generators.version, version)))
    .returning();
  if (row) return row;
  const current = await findGeneratorById(db, { id });
  return current ? { stale: current } : null;
}

/** The list's switch; a real flip bumps the version, so an edit form opened before it is refused. */
export async function updateGeneratorActiveById(
  db: Conn,
  { id, active, by = null, at }: { id: string; active: boolean; by?: string | null; at: Date },
) {
  await db
    .update(generators)
    .set({ active, updatedAt: at, updatedBy: by, version: sql`${generators.version} + 1` })
    .where(and(eq(generators.id, id), sql`${generators.active} is distinct from ${active}`));
}

export async function deleteGeneratorById(db: Conn, { id }: { id: string }): Promise<boolean> {
  const rows = await db.delete(generators).where(eq(generators.id, id)).returning({ id: generators.id });
  return rows.length === 1;
}
