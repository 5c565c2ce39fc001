import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { partials, partialVersions, type PartialFieldValues, type PartialVersion, type StoredPartial } from "../schema";

type Conn = Db | Tx;

export const partialFieldsOf = (p: StoredPartial): PartialFieldValues => ({ name: p.name, kind: p.kind, body: p.body });

export async function listPartials(db: Conn): Promise<StoredPartial[]> {
  return db
    .select()
    .from(partials)
    .orderBy(asc(partials.kind), asc(sql`lower(${partials.name})`));
}

export async function findPartialById(db: Conn, { id }: { id: string }): Promise<StoredPartial | null> {
  const [row] = await db.select().from(partials).where(eq(partials.id, id));
  return row ?? null;
}

export async function findPartialIdByName(db: Conn, { name }: { name: string }): Promise<string | null> {
  const [row] = await db
    .select({ id: partials.id })
    .from(partials)
    .where(eq(sql`lower(${partials.name})`, name.toLowerCase()));
  return row?.id ?? null;
}

/** Null when the name is taken (case-insensitively). */
export async function insertPartial(
  tx: Tx,
  { fields, by, at }: { fields: PartialFieldValues; by: string | null; at: Date },
): Promise<StoredPartial | null> {
  const [row] = await tx
    .insert(partials)
    .values({ ...fields, version: 1, updatedBy: by, createdAt: at, updatedAt: at })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/** With `version`, only while the row is still at it (check and bump in one UPDATE); null when no row matched. */
export async function updatePartialById(
  tx: Tx,
  {
    id,
    version,
    fields,
    by,
    at,
  }: { id: string; version?: number; fields: PartialFieldValues; by: string | null; at: Date },
): Promise<StoredPartial | null> {
  const [row] = await tx
    .update(partials)
    .set({ ...fields, version: sql`${partials.version} + 1`, updatedBy: by, updatedAt: at })
    .where(and(eq(partials.id, id), version === undefined ? undefined : eq(partials.version, version)))
    .returning();
  return row ?? null;
}

export async function deletePartialById(db: Conn, { id }: { id: string }): Promise<boolean> {
  return (await db.delete(partials).where(eq(partials.id, id)).returning({ id: partials.id })).length === 1;
}

export async function insertPartialVersion(
  tx: Tx,
  version: {
    partialId: string;
    version: number;
    fields: PartialFieldValues;
    note: string;
    createdBy: string | null;
    createdAt: Date;
  },
) {
  await tx.insert(partialVersions).values(version);
}

export async function listPartialVersions(db: Conn, { partialId }: { partialId: string }): Promise<PartialVersion[]> {
  return db
    .select()
    .from(partialVersions)
    .where(eq(partialVersions.partialId, partialId))
    .orderBy(desc(partialVersions.version));
}

export async function findPartialVersion(
  db: Conn,
  { partialId, version }: { partialId: string; version: number },
): Promise<PartialVersion | null> {
  const [row] = await db
    .select()
    .from(partialVersions)
    .where(and(eq(partialVersions.partialId, partialId), eq(partialVersions.version, version)));
  return row ?? null;
}
