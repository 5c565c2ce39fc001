import { and, asc, count, desc, eq, gte, ilike, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { pageByKeyset, type KeysetCursor, type KeysetPage } from "../keyset";
import { escapeLike } from "../like";
import type { Db, Tx } from "../client";
import { rowsOf } from "../rows";
import { countOutboxByEvent } from "./outbox";
import {
  deliveries,
  deliveryAttempts,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type NewDelivery,
} from "../schema";

type Conn = Db | Tx;

/** Rows that already exist for (event, template, recipient) are skipped: a handler may run twice. */
export type QueuedDelivery = Pick<
  NewDelivery,
  | "eventId"
  | "templateId"
  | "templateVersion"
  | "group"
  | "recipient"
  | "subject"
  | "html"
  | "text"
  | "headers"
  | "lastError"
> & {
  status: "queued" | "dead" | "skipped";
  at: Date;
};

/**
 * The mail handler's rows for a whole batch of events in one statement, as one JSON parameter (a
 * thousand rows of sixteen bound values each is what made recording with mail slow). Rows that already
 * exist for (event, template, recipient) are skipped: a handler may run twice.
 */
/** A delivery written by `insertDeliveries`: enough to send it, with the id it was given. */
export type SendableDelivery = Pick<
  Delivery,
  "id" | "recipient" | "subject" | "html" | "text" | "headers" | "attempts" | "leaseUntil"
>;

export async function insertDeliveries(
  db: Conn,
  rows: QueuedDelivery[],
  { claim }: { claim?: { leaseUntil: Date } } = {},
): Promise<SendableDelivery[]> {
  if (rows.length === 0) return [];
  const payload = rows.map((r) => ({
    e: r.eventId,
    t: r.templateId,
    v: r.templateVersion,
    g: r.group,
    r: r.recipient,
    s: r.status,
    j: r.subject,
    h: r.html,
    x: r.text,
    hd: r.headers,
    le: r.lastError,
    at: r.at.toISOString(),
  }));
  // With `claim`, mail that is ready is written already taken by this sender (sending, attempt 1, a
  // lease), which saves claiming it again with a second write of the row and all its indexes.
  const leaseUntil = claim ? claim.leaseUntil.toISOString() : null;
  const result = await db.execute(sql`
    insert into deliveries (event_id, template_id, template_version, event_group, recipient, status, subject, html, text, headers, last_error, created_at, updated_at, next_attempt_at, lease_until, attempts)
    select d.e, d.t, d.v, d.g, d.r,
      case when d.s = 'queued' and ${leaseUntil}::timestamptz is not null then 'sending' else d.s end,
      coalesce(d.j, ''), coalesce(d.h, ''), coalesce(d.x, ''), d.hd, d.le, d.at, d.at, d.at,
      case when d.s = 'queued' then ${leaseUntil}::timestamptz end,
      case when d.s = 'queued' and ${leaseUntil}::timestamptz is not null then 1 else 0 end
    from jsonb_to_recordset(${JSON.stringify(payload)}::text::jsonb)
      as d(e bigint, t uuid, v int, g text, r text, s text, j text, h text, x text, hd jsonb, le text, at timestamptz)
    on conflict do nothing
    returning id, event_id, template_id, recipient, status`);
  const written = new Map(
    rowsOf<{
      id: number | string;
      event_id: number | string;
      template_id: string | null;
      recipient: string;
      status: string;
    }>(result)
      .filter((row) => row.status === "sending")
      .map((row) => [`${row.event_id}\u001f${row.template_id}\u001f${row.recipient}`, Number(row.id)]),
  );
  if (!claim) return [];
  return rows.flatMap((r) => {
    const id = written.get(`${r.eventId}\u001f${r.templateId}\u001f${r.recipient}`);
    return id === undefined
      ? []
      : [
          {
            id,
            recipient: r.recipient,
            subject: r.subject ?? "",
            html: r.html ?? "",
            text: r.text ?? "",
            headers: r.headers,
            attempts: 1,
            leaseUntil: claim.leaseUntil,
          },
        ];
  });
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
export async function claimDueDeliveries(
  db: Conn,
  { now, leaseUntil, limit }: { now: Date; leaseUntil: Date; limit: number },
): Promise<Delivery[]> {
  const due = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      or(
        and(inArray(deliveries.status, ["queued", "failed"]), lte(deliveries.nextAttemptAt, now)),
        and(eq(deliveries.status, "sending"), lte(deliveries.leaseUntil, now)),
      ),
    )
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
  const payload = outcomes.map((o) => ({
    ...o,
    at: o.at.toISOString(),
    nextAttemptAt: o.nextAttemptAt.toISOString(),
    startedAt: o.startedAt.toISOString(),
  }));
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

export async function listDeliveryAttempts(
  db: Conn,
  { deliveryId }: { deliveryId: number },
): Promise<DeliveryAttempt[]> {
  return db
    .select()
    .from(deliveryAttempts)
    .where(eq(deliveryAttempts.deliveryId, deliveryId))
    .orderBy(asc(deliveryAttempts.id));
}

export async function findDeliveryById(db: Conn, { id }: { id: number }): Promise<Delivery | null> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row ?? null;
}

/** An event's mail, oldest first; test sends rendered on its context are not its mail and are left out. */
export async function listDeliveriesByEvent(db: Conn, { eventId }: { eventId: number }): Promise<Delivery[]> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.isTest, false)))
    .orderBy(asc(deliveries.id));
}

/** Sent deliveries older than `before`, at most `limit` of them; unsent ones are never touched. */
export async function deleteSentDeliveriesBefore(
  db: Conn,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
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
export async function claimDeliveryById(
  db: Conn,
  { id, now, leaseUntil }: { id: number; now: Date; leaseUntil: Date },
): Promise<Delivery | null> {
  const [row] = await db
    .update(deliveries)
    .set({ status: "sending", leaseUntil, attempts: sql`${deliveries.attempts} + 1`, updatedAt: now })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, ["queued", "failed"])))
    .returning();
  return row ?? null;
}

export type DeliveryLogFilters = {
  status?: DeliveryStatus;
  recipient?: string;
  templateId?: string;
  group?: string;
  from?: Date;
  to?: Date;
  eventId?: number;
};
export type DeliveryLogRow = Pick<
  Delivery,
  | "id"
  | "eventId"
  | "templateId"
  | "group"
  | "recipient"
  | "status"
  | "subject"
  | "attempts"
  | "nextAttemptAt"
  | "lastError"
  | "isTest"
  | "resendOf"
  | "createdAt"
  | "sentAt"
>;

export function deliveryLogConditions(filters: DeliveryLogFilters): SQL[] {
  const where: SQL[] = [];
  if (filters.status) where.push(eq(deliveries.status, filters.status));
  if (filters.recipient) where.push(ilike(deliveries.recipient, `%${escapeLike(filters.recipient)}%`));
  if (filters.templateId) where.push(eq(deliveries.templateId, filters.templateId));
  if (filters.group) where.push(eq(deliveries.group, filters.group));
  if (filters.from) where.push(gte(deliveries.createdAt, filters.from));
  if (filters.to) where.push(lt(deliveries.createdAt, filters.to));
  if (filters.eventId) where.push(eq(deliveries.eventId, filters.eventId));
  return where;
}

/** One page of the delivery log, newest first, by keyset on id. */
export async function listDeliveryLogPage(
  db: Conn,
  { filters, cursor, limit }: { filters: DeliveryLogFilters; cursor: KeysetCursor; limit: number },
): Promise<KeysetPage<DeliveryLogRow>> {
  return pageByKeyset(deliveries.id, { cursor, limit }, ({ bound, order, take }) =>
    db
      .select({
        id: deliveries.id,
        eventId: deliveries.eventId,
        templateId: deliveries.templateId,
        group: deliveries.group,
        recipient: deliveries.recipient,
        status: deliveries.status,
        subject: deliveries.subject,
        attempts: deliveries.attempts,
        nextAttemptAt: deliveries.nextAttemptAt,
        lastError: deliveries.lastError,
        isTest: deliveries.isTest,
        resendOf: deliveries.resendOf,
        createdAt: deliveries.createdAt,
        sentAt: deliveries.sentAt,
      })
      .from(deliveries)
      .where(and(...deliveryLogConditions(filters), bound))
      .orderBy(order)
      .limit(take),
  );
}

/** Per event, how many of its deliveries are in each status: the event log's delivery column. */
export async function countDeliveriesByEvent(
  db: Conn,
  { eventIds }: { eventIds: number[] },
): Promise<Map<number, Partial<Record<DeliveryStatus, number>>>> {
  const summary = new Map<number, Partial<Record<DeliveryStatus, number>>>();
  if (eventIds.length === 0) return summary;
  const rows = await db
    .select({ eventId: deliveries.eventId, status: deliveries.status, n: count() })
    .from(deliveries)
    .where(and(inArray(deliveries.eventId, eventIds), eq(deliveries.isTest, false)))
    .groupBy(deliveries.eventId, deliveries.status);
  for (const row of rows) {
    const entry = summary.get(row.eventId!) ?? {};
    entry[row.status] = row.n;
    summary.set(row.eventId!, entry);
  }
  // Mail still waiting in the outbox to be rendered is queued mail too.
  for (const [eventId, n] of await countOutboxByEvent(db, { eventIds })) {
    const entry = summary.get(eventId) ?? {};
    entry.queued = (entry.queued ?? 0) + n;
    summary.set(eventId, entry);
  }
  return summary;
}

/** The dead deliveries a bulk retry would queue again: those with a recipient (render failures are retried one by one). */
export async function countDeadDeliveries(
  db: Conn,
  { filters }: { filters: DeliveryLogFilters },
): Promise<{ addressable: number; renderFailures: number }> {
  const rows = await db
    .select({
      addressable: sql<number>`count(*) filter (where ${deliveries.recipient} <> '')::int`,
      renderFailures: sql<number>`count(*) filter (where ${deliveries.recipient} = '')::int`,
    })
    .from(deliveries)
    .where(and(...deliveryLogConditions({ ...filters, status: "dead" })));
  return { addressable: Number(rows[0]?.addressable ?? 0), renderFailures: Number(rows[0]?.renderFailures ?? 0) };
}

/** Queues again, in batches, every dead delivery with a recipient that matches the filters; answers how many. */
export async function requeueDeadDeliveries(
  db: Conn,
  { filters, at, batchSize = 1000 }: { filters: DeliveryLogFilters; at: Date; batchSize?: number },
): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = db
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(and(...deliveryLogConditions({ ...filters, status: "dead" }), sql`${deliveries.recipient} <> ''`))
      .limit(batchSize);
    // The status is checked again on the row being updated: the sub-select takes no lock, so a row a
    // concurrent retry already queued (and a sender may have claimed) must not be put back in the queue.
    const rows = await db
      .update(deliveries)
      .set({ status: "queued", nextAttemptAt: at, updatedAt: at })
      .where(and(inArray(deliveries.id, batch), eq(deliveries.status, "dead")))
      .returning({ id: deliveries.id });
    total += rows.length;
    if (rows.length < batchSize) return total;
  }
}

/**
 * Locks one delivery for the rest of the transaction, so that two requests deciding from it (two
 * clicks of "Resend", a replayed form) take turns and the second sees what the first wrote.
 */
export async function lockDeliveryById(tx: Tx, { id }: { id: number }): Promise<Delivery | null> {
  const [row] = await tx.select().from(deliveries).where(eq(deliveries.id, id)).for("update");
  return row ?? null;
}

/** The newest delivery made from this one (a resend, or a render again), with who made it; null when none. */
export async function findNewestDeliveryResentFrom(
  db: Conn,
  { id }: { id: number },
): Promise<Pick<Delivery, "id" | "status" | "createdBy" | "createdAt"> | null> {
  const [row] = await db
    .select({
      id: deliveries.id,
      status: deliveries.status,
      createdBy: deliveries.createdBy,
      createdAt: deliveries.createdAt,
    })
    .from(deliveries)
    .where(eq(deliveries.resendOf, id))
    .orderBy(desc(deliveries.id))
    .limit(1);
  return row ?? null;
}

export async function listDeliveriesResentFrom(
  db: Conn,
  { id }: { id: number },
): Promise<Pick<Delivery, "id" | "status" | "recipient" | "createdAt">[]> {
  return db
    .select({
      id: deliveries.id,
      status: deliveries.status,
      recipient: deliveries.recipient,
      createdAt: deliveries.createdAt,
    })
    .from(deliveries)
    .where(eq(deliveries.resendOf, id))
    .orderBy(asc(deliveries.id));
}

/** Queue health for the dashboard: counts by status and the age of the oldest queued delivery. */
export async function summarizeDeliveryQueue(
  db: Conn,
): Promise<{ queued: number; sending: number; failed: number; dead: number; oldestQueuedAt: Date | null }> {
  const [row] = await db
    .select({
      queued: sql<number>`count(*) filter (where ${deliveries.status} = 'queued')::int`,
      sending: sql<number>`count(*) filter (where ${deliveries.status} = 'sending')::int`,
      failed: sql<number>`count(*) filter (where ${deliveries.status} = 'failed')::int`,
      dead: sql<number>`count(*) filter (where ${deliveries.status} = 'dead')::int`,
      oldestQueuedAt: sql<
        string | null
      >`min(${deliveries.createdAt}) filter (where ${deliveries.status} in ('queued', 'failed'))`,
    })
    .from(deliveries)
    .where(inArray(deliveries.status, ["queued", "sending", "failed", "dead"]));
  return {
    queued: Number(row?.queued ?? 0),
    sending: Number(row?.sending ?? 0),
    failed: Number(row?.failed ?? 0),
    dead: Number(row?.dead ?? 0),
    oldestQueuedAt: row?.oldestQueuedAt ? new Date(row.oldestQueuedAt) : null,
  };
}

/** Deliveries per hour or day (UTC) and status since a time, for the dashboard chart. */
export async function countDeliveriesByBucketSince(
  db: Conn,
  { since, bucket }: { since: Date; bucket: "hour" | "day" },
): Promise<{ at: Date; status: DeliveryStatus; deliveries: number }[]> {
  const epoch = sql<number>`extract(epoch from date_trunc(${sql.raw(bucket === "day" ? "'day'" : "'hour'")}, ${deliveries.createdAt}, 'UTC'))::float8`;
  const rows = await db
    .select({ epoch, status: deliveries.status, n: count() })
    .from(deliveries)
    .where(gte(deliveries.createdAt, since))
    .groupBy(sql`1`, deliveries.status)
    .orderBy(sql`1`);
  return rows.map((r) => ({ at: new Date(Number(r.epoch) * 1000), status: r.status, deliveries: r.n }));
}

/** Deliveries that died before any attempt (their template did not render) for the events a job run recorded. */
export async function countUnrenderedDeliveriesOfJobRun(db: Conn, { jobRunId }: { jobRunId: number }): Promise<number> {
  const result = await db.execute(sql`
    select count(*)::int as n from deliveries d join events e on e.id = d.event_id
    where e.job_run_id = ${jobRunId} and d.status = 'dead' and d.attempts = 0 and d.recipient = ''`);
  return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
}
