import { and, desc, eq, getTableColumns, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { apiKeys, users, type ApiKey, type ApiKeyScope } from "../schema";

type Conn = Db | Tx;

/** Null when a live key already has the name. */
export async function insertApiKey(
  db: Conn,
  {
    name,
    prefix,
    secretHash,
    scopes,
    by,
  }: { name: string; prefix: string; secretHash: string; scopes: ApiKeyScope[]; by: string | null },
): Promise<ApiKey | null> {
  const [row] = await db
    .insert(apiKeys)
    .values({ name, prefix, secretHash, scopes, createdBy: by })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

export type ApiKeyListing = Omit<ApiKey, "secretHash"> & { createdByEmail: string | null };

/** Live keys first (newest first), then revoked ones; never the hash. */
export async function listApiKeys(db: Conn): Promise<ApiKeyListing[]> {
  const { secretHash: _hash, ...columns } = getTableColumns(apiKeys);
  return db
    .select({ ...columns, createdByEmail: users.email })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .orderBy(sql`${apiKeys.revokedAt} is not null`, desc(apiKeys.createdAt));
}

export async function findApiKeyByHash(db: Conn, { secretHash }: { secretHash: string }): Promise<ApiKey | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash));
  return row ?? null;
}

/** Names by id for labelling events an API key recorded, revoked keys included. */
export async function listApiKeyNames(db: Conn): Promise<{ id: string; name: string; revokedAt: Date | null }[]> {
  return db
    .select({ id: apiKeys.id, name: apiKeys.name, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .orderBy(apiKeys.name);
}

/** False when there is no such live key: revoking twice changes nothing. */
export async function revokeApiKeyById(
  db: Conn,
  { id, at, by }: { id: string; at: Date; by: string | null },
): Promise<ApiKey | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: at, revokedBy: by })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return row ?? null;
}

/**
 * Notes a use, at most once a minute per key and address: a key posting a thousand requests a second
 * must not turn each into a write.
 */
export async function touchApiKey(db: Conn, { id, at, address }: { id: string; at: Date; address: string }) {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at, lastUsedAddress: address })
    .where(
      and(
        eq(apiKeys.id, id),
        or(
          isNull(apiKeys.lastUsedAt),
          lt(apiKeys.lastUsedAt, new Date(at.getTime() - 60_000)),
          sql`${apiKeys.lastUsedAddress} is distinct from ${address}`,
        ),
      ),
    );
}
