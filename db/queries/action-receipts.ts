import { eq, inArray, lt } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { actionReceipts } from "../schema";

type Conn = Db | Tx;

/**
 * Takes a one-time token for an action: "claimed" the first time; after that the first request's
 * answer (null while it is still under way). A token taken for another action or by another user
 * answers the same as one under way, so it tells a prober nothing.
 */
export async function claimActionReceipt(
  db: Conn,
  { token, action, userId }: { token: string; action: string; userId: string | null },
): Promise<"claimed" | { answer: Record<string, unknown> | null }> {
  const [row] = await db
    .insert(actionReceipts)
    .values({ token, action, userId })
    .onConflictDoNothing()
    .returning({ token: actionReceipts.token });
  if (row) return "claimed";
  const [taken] = await db
    .select({ answer: actionReceipts.answer, action: actionReceipts.action, userId: actionReceipts.userId })
    .from(actionReceipts)
    .where(eq(actionReceipts.token, token));
  if (!taken || taken.action !== action || taken.userId !== userId) return { answer: null };
  return { answer: taken.answer };
}

export async function recordActionAnswer(
  db: Conn,
  { token, answer }: { token: string; answer: Record<string, unknown> },
) {
  await db.update(actionReceipts).set({ answer }).where(eq(actionReceipts.token, token));
}

/** Receipts older than `before`, a batch at a time. */
export async function deleteActionReceiptsBefore(
  db: Conn,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
  const old = db
    .select({ token: actionReceipts.token })
    .from(actionReceipts)
    .where(lt(actionReceipts.createdAt, before))
    .limit(limit);
  const rows = await db
    .delete(actionReceipts)
    .where(inArray(actionReceipts.token, old))
    .returning({ token: actionReceipts.token });
  return rows.length;
}
