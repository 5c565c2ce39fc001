import { and, asc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { rowsOf } from "../rows";
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

export type DeliveryOutcome = {
  id: number;
  attempt: number;
  status: "sent" | "failed" | "dead";
  at: Date;
  nextAttemptAt: Date;
  error: string | null;
  response: string | null;
  messageId: string;
  startedAt: Date;
  durationMs: number;
};

/**
 * Records many send outcomes in one statement: each delivery's new state and its attempt row. Only
 * the sender holding an attempt may record it (status sending, same attempt count): a row taken again
 * after its lease ran out belongs to the new sender. Answers how many deliveries were marked.
 */
export async function recordDeliveryOutcomes(db: Conn, outcomes: DeliveryOutcome[]): Promise<number> {
  if (outcomes.length === 0) return 0;
  const payload = outcomes.map((o) => ({ ...o, at: o.at.toISOString(), nextAttemptAt: o.nextAttemptAt.toISOString(), startedAt: o.startedAt.toISOString() }));
  const result = await db.execute(sql`
    with o as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::text::jsonb) as o(
        "id" bigint, "attempt" int, "status" text, "at" timestamptz, "nextAttemptAt" timestamptz, "error" text,
        "response" text, "messageId" text, "startedAt" timestamptz, "durationMs" int)
    ),
    marked as (
      update deliveries d
      set status = o.status,
          sent_at = case when o.status = 'sent' then o.at else d.sent_at end,
          next_attempt_at = o."nextAttemptAt",
          updated_at = o.at,
          lease_until = null,
          last_error = o.error,
          smtp_response = o.response,
          message_id = o."messageId"
      from o
      where d.id = o.id and d.status = 'sending' and d.attempts = o.attempt
      returning d.id
    ),
    logged as (
      insert into delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, error, smtp_response)
      select o.id, o.attempt, o."startedAt", o."durationMs", o.status, o.error, o.response from o
      returning 1
    )
    select (select count(*) from marked)::int as marked, (select count(*) from logged)::int as logged`);
  return rowsOf<{ marked: number }>(result)[0]?.marked ?? 0;
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
