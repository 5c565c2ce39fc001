import { and, asc, eq, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { arrayLiteral } from "../array-literal";
import { rowsOf } from "../rows";
import {
  inboundRejections,
  subscriptionAttempts,
  subscriptionBacklog,
  subscriptions,
  type Subscription,
  type SubscriptionBacklogRow,
} from "../schema";
import type { CommitPosition } from "./event-streams";

type Conn = Db | Tx;

export type NewSubscription = Pick<
  typeof subscriptions.$inferInsert,
  | "name"
  | "kind"
  | "groupPattern"
  | "target"
  | "config"
  | "secretSealed"
  | "headersSealed"
  | "strictOrder"
  | "attemptLimit"
  | "updatedBy"
> & { from: CommitPosition };

/** Null when the name is taken. */
export async function insertSubscription(db: Conn, input: NewSubscription): Promise<Subscription | null> {
  const { from, ...values } = input;
  const [row] = await db
    .insert(subscriptions)
    .values({ ...values, checkpointTx: from.tx, checkpointId: from.id })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

export type SubscriptionChanges = Pick<
  typeof subscriptions.$inferInsert,
  | "name"
  | "groupPattern"
  | "target"
  | "config"
  | "secretSealed"
  | "headersSealed"
  | "strictOrder"
  | "attemptLimit"
  | "updatedAt"
  | "updatedBy"
>;

/**
 * An edit, applied only at the version the editor loaded: "taken" when another subscription has the
 * name, "stale" when it changed since `version`, null when it is gone.
 */
export async function updateSubscriptionById(
  db: Conn,
  { id, version, changes }: { id: string; version: number; changes: SubscriptionChanges },
): Promise<Subscription | null | "taken" | "stale"> {
  if (changes.name !== undefined) {
    const [clash] = await db
      .select({ id: subscriptions.id })
      .from(subscriptions)
      .where(and(sql`lower(${subscriptions.name}) = lower(${changes.name})`, sql`${subscriptions.id} <> ${id}`));
    if (clash) return "taken";
  }
  const [row] = await db
    .update(subscriptions)
    .set({ ...changes, version: sql`${subscriptions.version} + 1` })
    .where(and(eq(subscriptions.id, id), eq(subscriptions.version, version)))
    .returning();
  if (row) return row;
  return (await findSubscriptionById(db, { id })) ? "stale" : null;
}

export async function findSubscriptionById(db: Conn, { id }: { id: string }): Promise<Subscription | null> {
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row ?? null;
}

export async function listActiveSubscriptionIds(db: Conn): Promise<string[]> {
  const rows = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(eq(subscriptions.status, "active"))
    .orderBy(asc(subscriptions.createdAt));
  return rows.map((r) => r.id);
}

/**
 * Makes `holder` the subscription's one reader until `until`, if it is active and nobody else holds an
 * unexpired lease: several instances may run the dispatcher, and only one reads each subscription.
 */
export async function takeSubscriptionLease(
  db: Conn,
  { id, holder, now, until }: { id: string; holder: string; now: Date; until: Date },
): Promise<Subscription | null> {
  const [row] = await db
    .update(subscriptions)
    .set({ leaseHolder: holder, leaseUntil: until })
    .where(
      and(
        eq(subscriptions.id, id),
        eq(subscriptions.status, "active"),
        sql`(${subscriptions.leaseUntil} is null or ${subscriptions.leaseUntil} <= ${now.toISOString()}::timestamptz or ${subscriptions.leaseHolder} = ${holder})`,
      ),
    )
    .returning();
  return row ?? null;
}

export async function releaseSubscriptionLease(db: Conn, { id, holder }: { id: string; holder: string }) {
  await db
    .update(subscriptions)
    .set({ leaseHolder: null, leaseUntil: null })
    .where(and(eq(subscriptions.id, id), eq(subscriptions.leaseHolder, holder)));
}

export type SubscriptionProgress = {
  checkpoint?: CommitPosition;
  delivered: number;
  lastEventAt?: Date | null;
  lastDeliveredAt?: Date | null;
  error?: { message: string; at: Date } | null;
  /** Set when every attempt failed since then; cleared by a success. */
  failing?: "started" | "cleared" | null;
  disabled?: string | null;
};

/** Records how far the holder got; nothing when it lost the lease meanwhile (the new holder decides). */
export async function recordSubscriptionProgress(
  db: Conn,
  { id, holder, at, progress }: { id: string; holder: string; at: Date; progress: SubscriptionProgress },
): Promise<boolean> {
  // drizzle's update accepts SQL for any column; its inferred insert type does not say so.
  const set: Record<string, unknown> = {
    deliveredCount: sql`${subscriptions.deliveredCount} + ${progress.delivered}`,
  };
  if (progress.checkpoint) {
    set.checkpointTx = progress.checkpoint.tx;
    set.checkpointId = progress.checkpoint.id;
  }
  if (progress.lastEventAt) set.lastEventAt = progress.lastEventAt;
  if (progress.lastDeliveredAt) set.lastDeliveredAt = progress.lastDeliveredAt;
  if (progress.error) {
    set.lastError = progress.error.message;
    set.lastErrorAt = progress.error.at;
  }
  if (progress.failing === "started")
    set.failingSince = sql`coalesce(${subscriptions.failingSince}, ${at.toISOString()}::timestamptz)`;
  if (progress.failing === "cleared") set.failingSince = null;
  if (progress.disabled) {
    set.status = "disabled";
    set.disabledReason = progress.disabled;
    set.leaseHolder = null;
    set.leaseUntil = null;
  }
  const rows = await db
    .update(subscriptions)
    .set(set as Partial<typeof subscriptions.$inferInsert>)
    .where(and(eq(subscriptions.id, id), eq(subscriptions.leaseHolder, holder)))
    .returning({ id: subscriptions.id });
  return rows.length > 0;
}

/** Events waiting for another attempt whose time has come, oldest event first. */
export async function listDueBacklog(
  db: Conn,
  { subscriptionId, now, limit }: { subscriptionId: string; now: Date; limit: number },
): Promise<SubscriptionBacklogRow[]> {
  return db
    .select()
    .from(subscriptionBacklog)
    .where(
      and(
        eq(subscriptionBacklog.subscriptionId, subscriptionId),
        isNull(subscriptionBacklog.parkedAt),
        lte(subscriptionBacklog.nextAttemptAt, now),
      ),
    )
    .orderBy(asc(subscriptionBacklog.eventId))
    .limit(limit);
}

/** The event a strict-order subscription is waiting on, if any (due or not). */
export async function findBlockingBacklog(
  db: Conn,
  { subscriptionId }: { subscriptionId: string },
): Promise<SubscriptionBacklogRow | null> {
  const [row] = await db
    .select()
    .from(subscriptionBacklog)
    .where(and(eq(subscriptionBacklog.subscriptionId, subscriptionId), isNull(subscriptionBacklog.parkedAt)))
    .orderBy(asc(subscriptionBacklog.eventId))
    .limit(1);
  return row ?? null;
}

export async function upsertBacklog(
  db: Conn,
  {
    subscriptionId,
    eventId,
    attempts,
    nextAttemptAt,
    lastError,
    parkedAt,
  }: {
    subscriptionId: string;
    eventId: number;
    attempts: number;
    nextAttemptAt: Date;
    lastError: string;
    parkedAt: Date | null;
  },
) {
  await db
    .insert(subscriptionBacklog)
    .values({ subscriptionId, eventId, attempts, nextAttemptAt, lastError, parkedAt })
    .onConflictDoUpdate({
      target: [subscriptionBacklog.subscriptionId, subscriptionBacklog.eventId],
      set: { attempts, nextAttemptAt, lastError, parkedAt },
    });
}

export async function deleteBacklog(
  db: Conn,
  { subscriptionId, eventIds }: { subscriptionId: string; eventIds: number[] },
) {
  if (eventIds.length === 0) return;
  await db
    .delete(subscriptionBacklog)
    .where(and(eq(subscriptionBacklog.subscriptionId, subscriptionId), inArray(subscriptionBacklog.eventId, eventIds)));
}

/** Puts parked events (all, or the ones named) back in line for an attempt now; answers how many. */
export async function unparkBacklog(
  db: Conn,
  { subscriptionId, eventIds, now }: { subscriptionId: string; eventIds: number[] | null; now: Date },
): Promise<number> {
  const rows = await db
    .update(subscriptionBacklog)
    .set({ parkedAt: null, attempts: 0, nextAttemptAt: now })
    .where(
      and(
        eq(subscriptionBacklog.subscriptionId, subscriptionId),
        sql`${subscriptionBacklog.parkedAt} is not null`,
        eventIds === null ? undefined : inArray(subscriptionBacklog.eventId, eventIds),
      ),
    )
    .returning({ eventId: subscriptionBacklog.eventId });
  return rows.length;
}

/**
 * Puts events a subscription already handed on back in line for an attempt now ("send again"); a
 * parked one among them is unparked, one already waiting is left as it is. Only events of its pattern
 * at or before its checkpoint count: later ones are still to come in order.
 */
export async function queueEventsAgain(
  db: Conn,
  {
    subscriptionId,
    eventIds,
    checkpoint,
    groupLike,
    now,
  }: { subscriptionId: string; eventIds: number[]; checkpoint: CommitPosition; groupLike: string | null; now: Date },
): Promise<{ found: number; handedOn: number; queued: number }> {
  const result = await db.execute(sql`
    with target as (
      select e.id, (e.tx_id, e.id) <= (${checkpoint.tx}::xid8, ${checkpoint.id}::bigint) as handed_on
      from events e
      where e.id = any(${`{${eventIds.map((id) => Math.trunc(id)).join(",")}}`}::bigint[])
        and e.source is distinct from 'import:django-spark'
        ${groupLike === null ? sql`` : sql`and e.event_group like ${groupLike} escape '\\'`}
    ), queued as (
      insert into subscription_backlog (subscription_id, event_id, attempts, next_attempt_at, parked_at)
      select ${subscriptionId}::uuid, id, 0, ${now.toISOString()}::timestamptz, null from target where handed_on
      on conflict (subscription_id, event_id) do update
        set parked_at = null, attempts = 0, next_attempt_at = excluded.next_attempt_at
        where subscription_backlog.parked_at is not null
      returning event_id
    )
    select (select count(*) from target)::int as found,
      (select count(*) from target where handed_on)::int as handed_on,
      (select count(*) from queued)::int as queued`);
  const [row] = rowsOf<{ found: number; handed_on: number; queued: number }>(result);
  return { found: Number(row?.found ?? 0), handedOn: Number(row?.handed_on ?? 0), queued: Number(row?.queued ?? 0) };
}

export async function countBacklog(
  db: Conn,
  { subscriptionId }: { subscriptionId: string },
): Promise<{ waiting: number; parked: number }> {
  const result = await db.execute(sql`
    select count(*) filter (where parked_at is null)::int as waiting, count(*) filter (where parked_at is not null)::int as parked
    from subscription_backlog where subscription_id = ${subscriptionId}`);
  const [row] = rowsOf<{ waiting: number; parked: number }>(result);
  return { waiting: Number(row?.waiting ?? 0), parked: Number(row?.parked ?? 0) };
}

export type NewSubscriptionAttempt = typeof subscriptionAttempts.$inferInsert;

/**
 * A round's attempt log in one statement over one JSON parameter: a relay logs thousands a second, and
 * a VALUES list of nine parameters a row cost more than the publishes themselves.
 */
export async function insertSubscriptionAttempts(db: Conn, rows: NewSubscriptionAttempt[]) {
  if (rows.length === 0) return;
  // One array per column: a relay logs hundreds of attempts a second, and arrays cost the server about a
  // third of what the same rows cost as a JSON document.
  const column = <T extends string | number | null>(pick: (row: NewSubscriptionAttempt) => T) =>
    arrayLiteral(rows.map(pick));
  await db.execute(sql`
    insert into subscription_attempts (subscription_id, event_id, attempt, started_at, duration_ms, outcome, status_code, response, error)
    select * from unnest(
      ${column((r) => r.subscriptionId)}::uuid[],
      ${column((r) => r.eventId)}::bigint[],
      ${column((r) => r.attempt)}::int[],
      ${column((r) => r.startedAt.toISOString())}::timestamptz[],
      ${column((r) => r.durationMs)}::int[],
      ${column((r) => r.outcome)}::text[],
      ${column((r) => r.statusCode ?? null)}::int[],
      ${column((r) => r.response ?? null)}::text[],
      ${column((r) => r.error ?? null)}::text[]
    )`);
}

/** Attempt log rows older than `before`, a batch at a time: the log of a healthy subscription grows forever. */
export async function deleteSubscriptionAttemptsBefore(
  db: Conn,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
  const old = db
    .select({ id: subscriptionAttempts.id })
    .from(subscriptionAttempts)
    .where(lt(subscriptionAttempts.startedAt, before))
    .limit(limit);
  const rows = await db
    .delete(subscriptionAttempts)
    .where(inArray(subscriptionAttempts.id, old))
    .returning({ id: subscriptionAttempts.id });
  return rows.length;
}

/** Refused inbound messages older than `before`, a batch at a time. */
export async function deleteInboundRejectionsBefore(
  db: Conn,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
  const old = db
    .select({ id: inboundRejections.id })
    .from(inboundRejections)
    .where(lt(inboundRejections.at, before))
    .limit(limit);
  const rows = await db
    .delete(inboundRejections)
    .where(inArray(inboundRejections.id, old))
    .returning({ id: inboundRejections.id });
  return rows.length;
}

/** Subscriptions Spark stopped by itself (410 Gone, days of failure), for the dashboard's notice. */
export async function listDisabledSubscriptions(
  db: Conn,
): Promise<{ id: string; name: string; reason: string | null; since: Date }[]> {
  return db
    .select({
      id: subscriptions.id,
      name: subscriptions.name,
      reason: subscriptions.disabledReason,
      since: subscriptions.updatedAt,
    })
    .from(subscriptions)
    .where(eq(subscriptions.status, "disabled"))
    .orderBy(asc(subscriptions.name));
}
