import { and, eq, isNull } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { accountTokens, type AccountToken, type AccountTokenPurpose } from "../schema";

type Conn = Db | Tx;

export async function insertAccountToken(db: Conn, token: typeof accountTokens.$inferInsert): Promise<void> {
  await db.insert(accountTokens).values(token);
}

export async function findAccountTokenById(db: Conn, { id }: { id: string }): Promise<AccountToken | null> {
  const [row] = await db.select().from(accountTokens).where(eq(accountTokens.id, id));
  return row ?? null;
}

/** Marks a token used; false when another request used it first, so a link works exactly once. */
export async function markAccountTokenUsed(db: Conn, { id, at }: { id: string; at: Date }): Promise<boolean> {
  const rows = await db
    .update(accountTokens)
    .set({ usedAt: at })
    .where(and(eq(accountTokens.id, id), isNull(accountTokens.usedAt)))
    .returning({ id: accountTokens.id });
  return rows.length === 1;
}

export async function expireUnusedAccountTokens(
  db: Conn,
  { purpose, userId, at }: { purpose: AccountTokenPurpose; userId?: string; at: Date },
) {
  const conditions = [eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)];
  if (userId) conditions.push(eq(accountTokens.userId, userId));
  await db
    .update(accountTokens)
    .set({ expiresAt: at })
    .where(and(...conditions));
}
