import { SourceError, type CodeSource } from "../spark/sources/types";

export type ChallengeParticipant = { name: string; email: string };

/** One challenge of the demo schema with what the conditions need, computed in SQL for a whole batch. */
export type ChallengeCandidate = {
  id: number;
  title: string;
  ownerName: string;
  ownerEmail: string;
  createdAt: string;
  startsAt: string;
  endsAt: string;
  daysSinceStart: number;
  daysUntilEnd: number;
  donationCount: number;
  donationTotal: number;
  hasStarted: boolean;
  hasEnded: boolean;
  participants: ChallengeParticipant[];
};

type Row = {
  id: number;
  title: string;
  owner_name: string;
  owner_email: string;
  created_at: string;
  starts_at: string;
  ends_at: string;
  days_since_start: number;
  days_until_end: number;
  donation_count: number;
  donation_total: string | number;
  has_started: boolean;
  has_ended: boolean;
  participants: ChallengeParticipant[] | string | null;
};

// Enough addresses for a mail to the owner and the first donors, without a popular challenge's whole crowd.
const MAX_PARTICIPANTS = 10;

// Formatted in SQL because the drivers disagree on timestamps (PGlite answers Dates, postgres.js under
// Drizzle answers Postgres' text form); this way both give the same ISO string.
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// $1: the pass's "now", $2: the last id of the previous batch, $3: the batch size.
const BATCH_QUERY = `
  with page as (
    select id, title, owner_id, created_at, starts_at, ends_at
    from demo.challenges
    where id > $2::integer
    order by id
    limit $3::integer
  ),
  totals as (
    select d.challenge_id, count(*)::integer as donation_count, sum(d.amount) as donation_total
    from demo.donations d
    where d.challenge_id in (select id from page)
    group by d.challenge_id
  )
  select
    p.id,
    p.title,
    o.name as owner_name,
    o.email as owner_email,
    ${iso("p.created_at")} as created_at,
    ${iso("p.starts_at")} as starts_at,
    ${iso("p.ends_at")} as ends_at,
    floor(extract(epoch from ($1::timestamptz - p.starts_at)) / 86400)::integer as days_since_start,
    floor(extract(epoch from (p.ends_at - $1::timestamptz)) / 86400)::integer as days_until_end,
    coalesce(t.donation_count, 0) as donation_count,
    coalesce(t.donation_total, 0)::text as donation_total,
    p.starts_at <= $1::timestamptz as has_started,
    p.ends_at < $1::timestamptz as has_ended,
    coalesce(people.participants, '[]'::jsonb) as participants
  from page p
  join demo.participants o on o.id = p.owner_id
  left join totals t on t.challenge_id = p.id
  left join lateral (
    select jsonb_agg(jsonb_build_object('name', pt.name, 'email', pt.email) order by x.is_owner desc, pt.id) as participants
    from (
      select y.id, y.is_owner
      from (
        select p.owner_id as id, true as is_owner
        union
        select dn.participant_id, false from demo.donations dn where dn.challenge_id = p.id and dn.participant_id <> p.owner_id
      ) y
      order by y.is_owner desc, y.id
      limit ${MAX_PARTICIPANTS}
    ) x
    join demo.participants pt on pt.id = x.id
  ) people on true
  order by p.id`;

function candidateOf(row: Row): ChallengeCandidate {
  const participants =
    typeof row.participants === "string"
      ? (JSON.parse(row.participants) as ChallengeParticipant[])
      : (row.participants ?? []);
  return {
    id: Number(row.id),
    title: row.title,
    ownerName: row.owner_name,
    ownerEmail: row.owner_email,
    createdAt: row.created_at,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    daysSinceStart: Number(row.days_since_start),
    daysUntilEnd: Number(row.days_until_end),
    donationCount: Number(row.donation_count),
    donationTotal: Number(row.donation_total),
    hasStarted: row.has_started,
    hasEnded: row.has_ended,
    participants,
  };
}

/**
 * django-spark's README example as a code source: per challenge, days since start, donations, days
 * until end and whether it has ended. Days are whole days rounded down, like Python's `timedelta.days`,
 * so a challenge that ended an hour ago is -1 day from its end; they count 24-hour days between
 * timestamps where the README subtracts dates (demoGenerators in seed.ts lists every difference).
 */
export const challengesSource: CodeSource<ChallengeCandidate> = {
  name: "challenges",
  label: "Challenges (demo)",
  description:
    "Every challenge in the demo schema, with its owner, its donations and how far it is from its start and end.",
  variables: {
    title: { type: "string", description: "The challenge's title." },
    owner_name: { type: "string", description: "Name of the participant who created the challenge." },
    owner_email: { type: "string", description: "Email address of the challenge's owner." },
    created_at: { type: "timestamp", description: "When the challenge was created." },
    starts_at: { type: "timestamp", description: "When the challenge starts." },
    ends_at: { type: "timestamp", description: "When the challenge ends." },
    days_since_start: {
      type: "number",
      description: "Whole days since the start, rounded down; negative before it starts.",
    },
    days_until_end: {
      type: "number",
      description: "Whole days until the end, rounded down; negative once it has ended.",
    },
    donation_count: { type: "number", description: "How many donations the challenge has received." },
    donation_total: { type: "number", description: "The sum of its donations." },
    has_started: { type: "boolean", description: "True once the start has passed." },
    has_ended: { type: "boolean", description: "True once the end has passed." },
    participants: {
      type: "json",
      description: `The owner and the first donors, as a list of { name, email } (at most ${MAX_PARTICIPANTS}).`,
    },
  },

  async *candidates({ connections, clock, batchSize }) {
    // The demo's data is the application's, so it lives in the sample database, not in Spark's.
    if (!connections)
      throw new SourceError(
        "The challenges source reads the sample connection, and this pass was given no connections.",
      );
    const sample = connections.sample();
    const size = Math.max(1, Math.floor(batchSize));
    // One "now" for the whole pass, so a run that straddles midnight does not count days two ways.
    const now = clock().toISOString();
    let after = 0;
    for (;;) {
      const result = await sample.query(BATCH_QUERY, [now, after, size]);
      const batch = (result.rows as Row[]).map(candidateOf);
      if (batch.length > 0) yield batch;
      if (batch.length < size) return;
      after = batch.at(-1)!.id;
    }
  },

  context(c) {
    return {
      title: c.title,
      owner_name: c.ownerName,
      owner_email: c.ownerEmail,
      created_at: c.createdAt,
      starts_at: c.startsAt,
      ends_at: c.endsAt,
      days_since_start: c.daysSinceStart,
      days_until_end: c.daysUntilEnd,
      donation_count: c.donationCount,
      donation_total: c.donationTotal,
      has_started: c.hasStarted,
      has_ended: c.hasEnded,
      participants: c.participants,
    };
  },
};
