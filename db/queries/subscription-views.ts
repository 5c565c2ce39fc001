import { and, asc, count, eq, gte, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { pageByKeyset, type KeysetCursor, type KeysetPage } from "../keyset";
import {
  events,
  subscriptionAttempts,
  subscriptionBacklog,
  subscriptions,
  type Subscription,
  type SubscriptionAttempt,
  type SubscriptionStatus,
} from "../schema";

type Conn = Db | Tx;

/** Subscriptions by name (case-insensitive), a page at a time, with the total for the pager. */
export async function listSubscriptionsPage(
  db: Conn,
  { status, offset, limit }: { status?: SubscriptionStatus; offset: number; limit: number },
): Promise<{ rows: Subscription[]; total: number }> {
  const where = status ? eq(subscriptions.status, status) : undefined;
  const [rows, [counted]] = await Promise.all([
    db
      .select()
      .from(subscriptions)
      .where(where)
      .orderBy(sql`lower(${subscriptions.name})`, asc(subscriptions.id))
      .offset(offset)
      .limit(limit),
    db.select({ n: count() }).from(subscriptions).where(where),
  ]);
  return { rows, total: Number(counted?.n ?? 0) };
}

export type ParkedEventRow = {
  eventId: number;
  key: string | null;
  group: string | null;
  attempts: number;
  lastError: string | null;
  parkedAt: Date;
};

/** A subscription's parked events, oldest event first, with their keys (null if the event is gone). */
export async function listParkedEvents(
  db: Conn,
  { subscriptionId, limit }: { subscriptionId: string; limit: number },
): Promise<ParkedEventRow[]> {
  const rows = await db
    .select({
      eventId: subscriptionBacklog.eventId,
      key: events.key,
      group: events.group,
      attempts: subscriptionBacklog.attempts,
      lastError: subscriptionBacklog.lastError,
      parkedAt: subscriptionBacklog.parkedAt,
    })
    .from(subscriptionBacklog)
    .leftJoin(events, eq(events.id, subscriptionBacklog.eventId))
    .where(and(eq(subscriptionBacklog.subscriptionId, subscriptionId), isNotNull(subscriptionBacklog.parkedAt)))
    .orderBy(asc(subscriptionBacklog.eventId))
    .limit(limit);
  return rows.map((r) => ({ ...r, parkedAt: r.parkedAt! }));
}

export type AttemptLogRow = SubscriptionAttempt & { eventKey: string | null };

/** A subscription's attempts, newest first, by keyset on their id. */
export async function listSubscriptionAttemptsPage(
  db: Conn,
  { subscriptionId, cursor, limit }: { subscriptionId: string; cursor: KeysetCursor; limit: number },
): Promise<KeysetPage<AttemptLogRow>> {
  return pageByKeyset(subscriptionAttempts.id, { cursor, limit }, ({ bound, order, take }) =>
    db
      .select({
        id: subscriptionAttempts.id,
        subscriptionId: subscriptionAttempts.subscriptionId,
        eventId: subscriptionAttempts.eventId,
        attempt: subscriptionAttempts.attempt,
        startedAt: subscriptionAttempts.startedAt,
        durationMs: subscriptionAttempts.durationMs,
        outcome: subscriptionAttempts.outcome,
        statusCode: subscriptionAttempts.statusCode,
        response: subscriptionAttempts.response,
        error: subscriptionAttempts.error,
        eventKey: events.key,
      })
      .from(subscriptionAttempts)
      .leftJoin(events, eq(events.id, subscriptionAttempts.eventId))
      .where(and(eq(subscriptionAttempts.subscriptionId, subscriptionId), bound))
      .orderBy(order)
      .limit(take),
  );
}

/** How many events a subscription handed on since `since`: its recent throughput. */
/** The event a delivered attempt of this subscription handed on; null for another's attempt, or one that failed. */
export async function findDeliveredAttemptEvent(
  db: Conn,
  { subscriptionId, attemptId }: { subscriptionId: string; attemptId: number },
): Promise<number | null> {
  const [row] = await db
    .select({ eventId: subscriptionAttempts.eventId })
    .from(subscriptionAttempts)
    .where(
      and(
        eq(subscriptionAttempts.id, attemptId),
        eq(subscriptionAttempts.subscriptionId, subscriptionId),
        eq(subscriptionAttempts.outcome, "delivered"),
      ),
    );
  return row?.eventId ?? null;
}

/** Events each subscription handed on since `since`, by subscription id (absent: none). */
export async function countDeliveredSince(
  db: Conn,
  { subscriptionIds, since }: { subscriptionIds: string[]; since: Date },
): Promise<Map<string, number>> {
  if (subscriptionIds.length === 0) return new Map();
  const rows = await db
    .select({ id: subscriptionAttempts.subscriptionId, n: count() })
    .from(subscriptionAttempts)
    .where(
      and(
        inArray(subscriptionAttempts.subscriptionId, subscriptionIds),
        eq(subscriptionAttempts.outcome, "delivered"),
        gte(subscriptionAttempts.startedAt, since),
      ),
    )
    .groupBy(subscriptionAttempts.subscriptionId);
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

/** Removes a subscription; its backlog and attempts go with it (cascade). Null when there was none. */
export async function deleteSubscriptionById(db: Conn, { id }: { id: string }): Promise<{ name: string } | null> {
  const [row] = await db.delete(subscriptions).where(eq(subscriptions.id, id)).returning({ name: subscriptions.name });
  return row ?? null;
}

/**
 * Replaces the signing secret only if no rotation happened since the one the caller saw
 * (`seenPreviousUntil`): a double click or a replayed post would otherwise rotate twice and cut the
 * secret receivers still use out of its grace period.
 */
export async function rotateSubscriptionSecretIfUnchanged(
  db: Conn,
  {
    id,
    seenPreviousUntil,
    secretSealed,
    previousUntil,
    at,
    by,
  }: {
    id: string;
    seenPreviousUntil: Date | null;
    secretSealed: string;
    previousUntil: Date;
    at: Date;
    by: string | null;
  },
): Promise<boolean> {
  const rows = await db
    .update(subscriptions)
    .set({
      secretSealed,
      previousSecretSealed: sql`${subscriptions.secretSealed}`,
      previousSecretUntil: previousUntil,
      updatedAt: at,
      updatedBy: by,
    })
    .where(
      and(
        eq(subscriptions.id, id),
        eq(subscriptions.kind, "webhook"),
        seenPreviousUntil === null
          ? sql`${subscriptions.previousSecretUntil} is null`
          : sql`date_trunc('milliseconds', ${subscriptions.previousSecretUntil}) = ${seenPreviousUntil.toISOString()}::timestamptz`,
      ),
    )
    .returning({ id: subscriptions.id });
  return rows.length === 1;
}
