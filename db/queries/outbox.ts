import { sql } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { rowsOf } from "../rows";
import type { PartialKind, TemplateFieldValues } from "../schema";

type Conn = Db | Tx;

export type NewOutboxRow = { eventId: number; templateId: string; templateVersion: number };

/** Queues mail for recorded events in one statement: the whole cost of mail on the recording path. */
export async function insertOutboxRows(
  tx: Conn,
  { rows, partialsRevision, at }: { rows: NewOutboxRow[]; partialsRevision: number; at: Date },
): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into mail_outbox (event_id, template_id, template_version, partials_revision, created_at)
    select e, t, v, ${partialsRevision}::bigint, ${at.toISOString()}::timestamptz
    from unnest(
      ${`{${rows.map((r) => r.eventId).join(",")}}`}::bigint[],
      ${`{${rows.map((r) => r.templateId).join(",")}}`}::uuid[],
      ${`{${rows.map((r) => r.templateVersion).join(",")}}`}::int[]
    ) as o(e, t, v)`);
}

export type ClaimedOutboxRow = {
  id: number;
  eventId: number;
  templateId: string;
  templateVersion: number;
  partialsRevision: number;
  queuedAt: Date;
  /** Null when the event is gone (its handler failed and it was rolled back). */
  event: { group: string; key: string; context: Record<string, unknown> } | null;
  /** Null when the template, and with it its versions, was deleted. */
  fields: TemplateFieldValues | null;
};

/**
 * Takes up to `limit` rows, oldest first, that no live sender holds, until `leaseUntil`; with each,
 * its event and the template version it was queued with.
 */
export async function claimOutboxRows(
  db: Conn,
  { now, leaseUntil, limit }: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedOutboxRow[]> {
  const result = await db.execute(sql`
    with claimed as (
      update mail_outbox set claimed_until = ${leaseUntil.toISOString()}::timestamptz
      where id in (
        select id from mail_outbox
        where claimed_until is null or claimed_until < ${now.toISOString()}::timestamptz
        order by id limit ${limit}
        for update skip locked
      )
      returning id, event_id, template_id, template_version, partials_revision, created_at
    )
    select c.id, c.event_id, c.template_id, c.template_version, c.partials_revision, c.created_at,
      e.event_group, e.key, e.context,
      (v.template_id is not null or t.id is not null) as template_found,
      -- A batch is mostly one template version: its fields are sent once, with the first row that names it.
      case when row_number() over (partition by c.template_id, c.template_version order by c.id) = 1 then
        -- A template written without its version rows (by hand, or before versions were kept) is its own
        -- current version: the row itself, while its version has not moved on.
        coalesce(v.fields, case when t.id is not null then jsonb_build_object(
          'name', t.name, 'group', t.group_pattern, 'active', t.active, 'layout', t.layout,
          'from', t.from_address, 'to', t.to_address, 'cc', t.cc, 'bcc', t.bcc, 'replyTo', t.reply_to,
          'subject', t.subject, 'html', t.html, 'text', t.text) end)
      end as fields
    from claimed c
    left join events e on e.id = c.event_id
    left join template_versions v on v.template_id = c.template_id and v.version = c.template_version
    left join mail_templates t on t.id = c.template_id and t.version = c.template_version
    order by c.id`);
  const fieldsOf = new Map<string, TemplateFieldValues>();
  const rows = rowsOf<{
    id: number | string;
    event_id: number | string;
    template_id: string;
    template_version: number;
    partials_revision: number | string;
    created_at: string | Date;
    event_group: string | null;
    key: string | null;
    context: Record<string, unknown> | null;
    template_found: boolean;
    fields: TemplateFieldValues | null;
  }>(result);
  for (const r of rows) if (r.fields) fieldsOf.set(`${r.template_id}:${r.template_version}`, r.fields);
  return rows.map((r) => ({
    id: Number(r.id),
    eventId: Number(r.event_id),
    templateId: r.template_id,
    templateVersion: r.template_version,
    partialsRevision: Number(r.partials_revision),
    queuedAt: new Date(r.created_at),
    event: r.key === null ? null : { group: r.event_group!, key: r.key, context: r.context ?? {} },
    fields: r.template_found ? (fieldsOf.get(`${r.template_id}:${r.template_version}`) ?? null) : null,
  }));
}

/** Removes rows a sender has turned into deliveries; only the ids still there come back (another sender may have been first). */
export async function deleteOutboxRows(tx: Conn, { ids }: { ids: number[] }): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const result = await tx.execute(
    sql`delete from mail_outbox where id = any(${`{${ids.join(",")}}`}::bigint[]) returning id`,
  );
  return new Set(rowsOf<{ id: number | string }>(result).map((r) => Number(r.id)));
}

/** The newest partial version's id: mail queued now renders with the partials as of this revision. */
export async function currentPartialsRevision(db: Conn): Promise<number> {
  const result = await db.execute(sql`select coalesce(max(id), 0)::bigint as revision from partial_versions`);
  return Number(rowsOf<{ revision: number | string }>(result)[0]?.revision ?? 0);
}

/** The partials and layouts as they were at a revision: each one's newest version up to it, for partials that still exist. */
export async function listPartialsAsOf(
  db: Conn,
  { revision }: { revision: number },
): Promise<{ name: string; kind: PartialKind; body: string }[]> {
  const result = await db.execute(sql`
    select distinct on (v.partial_id) v.fields->>'name' as name, v.fields->>'kind' as kind, v.fields->>'body' as body
    from partial_versions v join partials p on p.id = v.partial_id
    where v.id <= ${revision}
    order by v.partial_id, v.id desc`);
  return rowsOf<{ name: string; kind: PartialKind; body: string }>(result);
}

/** Mail of these events still waiting to be rendered, per event: the logs count it as queued. */
export async function countOutboxByEvent(db: Conn, { eventIds }: { eventIds: number[] }): Promise<Map<number, number>> {
  if (eventIds.length === 0) return new Map();
  const result = await db.execute(sql`
    select event_id, count(*)::int as n from mail_outbox
    where event_id = any(${`{${eventIds.join(",")}}`}::bigint[]) group by event_id`);
  return new Map(rowsOf<{ event_id: number | string; n: number }>(result).map((r) => [Number(r.event_id), r.n]));
}

/** Events of a group pattern in a time range with no mail, sent or queued, from a template: what "Send for past events" would queue. */
function pastEventsWithoutMail({
  templateId,
  groupRegex,
  from,
  to,
}: {
  templateId: string;
  groupRegex: string;
  from: Date;
  to: Date;
}) {
  return sql`
    from events e
    where e.event_group ~ ${groupRegex}
      -- django-spark mailed its own events; an imported key carries no context to render anyway.
      and e.source is distinct from 'import:django-spark'
      and e.created_at >= ${from.toISOString()}::timestamptz and e.created_at < ${to.toISOString()}::timestamptz
      and not exists (select 1 from deliveries d where d.event_id = e.id and d.template_id = ${templateId}::uuid and not d.is_test)
      and not exists (select 1 from mail_outbox o where o.event_id = e.id and o.template_id = ${templateId}::uuid)`;
}

export async function countPastEventsWithoutMail(
  db: Conn,
  input: { templateId: string; groupRegex: string; from: Date; to: Date },
): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n ${pastEventsWithoutMail(input)}`);
  return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
}

/** Queues those events' mail for a template version, once: a second call finds nothing left to queue. */
export async function queuePastEventsMail(
  tx: Tx,
  input: {
    templateId: string;
    templateVersion: number;
    partialsRevision: number;
    groupRegex: string;
    from: Date;
    to: Date;
    at: Date;
  },
): Promise<number> {
  // Two clicks at once must not queue twice: they take turns on this template.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`spark.past-mail.${input.templateId}`}))`);
  const result = await tx.execute(sql`
    insert into mail_outbox (event_id, template_id, template_version, partials_revision, created_at)
    select e.id, ${input.templateId}::uuid, ${input.templateVersion}, ${input.partialsRevision}::bigint, ${input.at.toISOString()}::timestamptz
    ${pastEventsWithoutMail(input)}
    returning id`);
  return rowsOf<{ id: number }>(result).length;
}
