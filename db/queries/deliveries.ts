import { and, asc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { deliveries, deliveryAttempts, type Delivery, type DeliveryAttempt, type NewDelivery } from "../schema";

type Conn = Db | Tx;

/** Rows that already exist for (event, template, recipient) are skipped: a handler may run twice. */
export async function insertDeliveries(db: Conn, rows: NewDelivery[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db.insert(deliveries).values(rows).onConflictDoNothing().returning({ id: deliveries.id });
  return inserted.length;
}

export async function insertDelivery(db: Conn, row: NewDelivery): Promise<Delivery> {
  const [inserted] = await db.insert(deliveries).values(row).returning();
  return inserted!;
}

/**
 * Takes up to `limit` due deliveries for this sender: queued or failed ones whose time has come, and
 * sending ones whose lease ran out (their sender died). SKIP LOCKED lets concurrent senders take
 * disjoint rows; the lease and the attempt count mark them as taken once this transaction commits.
 */
export async function claimDueDeliveries(db: Conn, { now, leaseUntil, limit }: { now: Date; leaseUntil: Date; limit: number }): Promise<Delivery[]> {
  const due = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(or(and(inArray(deliveries.status, ["queued", "failed"]), lte(deliveries.nextAttemptAt, now)), and(eq(deliveries.status, "sending"), lte(deliveries.leaseUntil, now))))
    .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(deliveries)
    .set({ status: "sending", leaseUntil, attempts: sql`${deliveries.attempts} + 1`, updatedAt: now })
    .where(inArray(deliveries.id, due))
    .returning();
}

/** Only the sender holding this attempt may record its outcome: a row re-taken after its lease ran out belongs to the new sender. */
const heldBy = (id: number, attempt: number) => and(eq(deliveries.id, id), eq(deliveries.status, "sending"), eq(deliveries.attempts, attempt));

export async function markDeliverySent(db: Conn, { id, attempt, at, messageId, response }: { id: number; attempt: number; at: Date; messageId: string; response: string }): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status: "sent", sentAt: at, updatedAt: at, leaseUntil: null, messageId, smtpResponse: response, lastError: null })
    .where(heldBy(id, attempt))
    .returning({ id: deliveries.id });
  return rows.length === 1;
}

export async function markDeliveryFailed(
  db: Conn,
  { id, attempt, at, status, nextAttemptAt, error, response, messageId }: { id: number; attempt: number; at: Date; status: "failed" | "dead"; nextAttemptAt: Date; error: string; response: string | null; messageId: string },
): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ status, nextAttemptAt, updatedAt: at, leaseUntil: null, lastError: error, smtpResponse: response, messageId })
    .where(heldBy(id, attempt))
    .returning({ id: deliveries.id });
  return rows.length === 1;
}

export async function insertDeliveryAttempt(db: Conn, attempt: Omit<DeliveryAttempt, "id">) {
  await db.insert(deliveryAttempts).values(attempt);
}

export async function listDeliveryAttempts(db: Conn, { deliveryId }: { deliveryId: number }): Promise<DeliveryAttempt[]> {
  return db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, deliveryId)).orderBy(asc(deliveryAttempts.id));
}

export async function findDeliveryById(db: Conn, { id }: { id: number }): Promise<Delivery | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row ?? null;
}

export async function listDeliveriesByEvent(db: Conn, { eventId }: { eventId: number }): Promise<Delivery[]> {
  return db.select().from(deliveries).where(eq(deliveries.eventId, eventId)).orderBy(asc(deliveries.id));
}

/** Sent deliveries older than `before`, at most `limit` of them; unsent ones are never touched. */
export async function deleteSentDeliveriesBefore(db: Conn, { before, limit }: { before: Date; limit: number }): Promise<number> {
  const old = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, "sent"), lt(deliveries.sentAt, before)))
    .limit(limit);
  const rows = await db.delete(deliveries).where(inArray(deliveries.id, old)).returning({ id: deliveries.id });
  return rows.length;
}

/** Puts a failed or dead delivery back in the queue, due now; a sent one is left alone. */
export async function requeueDeliveryById(db: Conn, { id, at }: { id: number; at: Date }): Promise<Delivery | null> {
  const [row] = await db
    .update(deliveries)
    .set({ status: "queued", nextAttemptAt: at, updatedAt: at })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, ["failed", "dead"])))
    .returning();
  return row ?? null;
}

/** Takes one queued delivery for an immediate send (a test send, a retry now), as deliverDue would. */
export async function claimDeliveryById(db: Conn, { id, now, leaseUntil }: { id: number; now: Date; leaseUntil: Date }): Promise<Delivery | null> {
  const [row] = await db
    .update(deliveries)
    .set({ status: "sending", leaseUntil, attempts: sql`${deliveries.attempts} + 1`, updatedAt: now })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, ["queued", "failed"])))
    .returning();
  return row ?? null;
}
