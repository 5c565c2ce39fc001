import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { insertPartial, insertPartialVersion } from "@/db/queries/partials";
import { insertTemplate, insertTemplateVersion } from "@/db/queries/templates";
import { generators, type Condition, type NewGenerator } from "@/db/schema";
import type { PartialInput } from "@/spark/mail/partials";
import type { TemplateFields } from "@/spark/mail/templates";
import { challengesSource } from "./challenges";

const DAY_MS = 86_400_000;

// Any constant will do, as long as no other lock in Spark uses it (migrations take 7412001).
const DEMO_LOCK = 7412002;

const participants = [
  { name: "Ada Lovelace", email: "ada@example.com" },
  { name: "Grace Hopper", email: "grace@example.com" },
  { name: "Alan Turing", email: "alan@example.com" },
  { name: "Katherine Johnson", email: "katherine@example.com" },
  // Quotes, an ampersand and angle brackets, so templates show whether they escape what they print.
  { name: "Máire O'Brien & <Co>", email: "obrien@example.com" },
  { name: "Hedy Lamarr", email: "hedy@example.com" },
  { name: "Tim Berners-Lee", email: "tim@example.com" },
];

type SeedChallenge = {
  title: string;
  owner: string;
  /** Days from the seeding clock; fractions keep each challenge clear of a whole-day boundary. */
  created: number;
  starts: number;
  ends: number;
  donations: { donor: string; amount: string; at: number }[];
};

// Chosen so each demo generator matches several challenges as soon as the job first runs.
const challenges: SeedChallenge[] = [
  { title: "Run 100 km in a month", owner: "ada@example.com", created: -0.1, starts: 1, ends: 31, donations: [] },
  {
    title: "Read 12 books this year",
    owner: "obrien@example.com",
    created: -0.25,
    starts: -0.25,
    ends: 60,
    donations: [],
  },
  { title: "Swim across the lake", owner: "grace@example.com", created: -10, starts: -5, ends: 25, donations: [] },
  { title: "Cycle to work every day", owner: "alan@example.com", created: -4, starts: -3, ends: 27, donations: [] },
  {
    title: "Learn to juggle three balls",
    owner: "katherine@example.com",
    created: -3,
    starts: -2.5,
    ends: 11.5,
    donations: [],
  },
  {
    title: "Bake for the food bank",
    owner: "hedy@example.com",
    created: -20,
    starts: -14,
    ends: 1.5,
    donations: [{ donor: "grace@example.com", amount: "25.00", at: -3 }],
  },
  { title: "No sugar for two weeks", owner: "tim@example.com", created: -16, starts: -13.5, ends: 0.5, donations: [] },
  {
    title: "Walk 10,000 steps a day",
    owner: "obrien@example.com",
    created: -30,
    starts: -28,
    ends: 2.25,
    donations: [{ donor: "ada@example.com", amount: "10.00", at: -20 }],
  },
  {
    title: "Knit hats for winter",
    owner: "grace@example.com",
    created: -12,
    starts: -10,
    ends: 20,
    donations: [
      { donor: "ada@example.com", amount: "15.00", at: -9 },
      { donor: "alan@example.com", amount: "20.00", at: -6 },
      { donor: "obrien@example.com", amount: "12.50", at: -1 },
    ],
  },
  {
    title: "Marathon training",
    owner: "alan@example.com",
    created: -60,
    starts: -50,
    ends: -3,
    donations: [
      { donor: "grace@example.com", amount: "50.00", at: -45 },
      { donor: "hedy@example.com", amount: "30.00", at: -30 },
      { donor: "tim@example.com", amount: "20.00", at: -10 },
      { donor: "katherine@example.com", amount: "40.00", at: -4 },
    ],
  },
  { title: "A silent week", owner: "katherine@example.com", created: -40, starts: -30, ends: -0.5, donations: [] },
  {
    title: "Cold showers for 30 days",
    owner: "ada@example.com",
    created: -45,
    starts: -40,
    ends: -10,
    donations: [
      { donor: "tim@example.com", amount: "5.00", at: -35 },
      { donor: "obrien@example.com", amount: "7.50", at: -20 },
    ],
  },
];

const condition = (variable: string, operator: Condition["operator"], value: string): Condition => ({
  variable,
  operator,
  value,
});

/**
 * The four generators of django-spark's README example (`events_from_challenge`), over the
 * `challenges` code source, with the README's own comparisons: `(today - start_date).days > 2` and
 * `donations.count() < 2`, `(end_date - today).days <= 2`, `end_date < today`. Where they differ:
 * - days are whole 24-hour days between timestamps (`days_since_start`, `days_until_end`, rounded
 *   down), not calendar dates, because the demo's challenges start and end at a time of day;
 * - `challenge_ends_2d` adds `days_until_end >= 0`: the README's source ran as challenges were saved,
 *   so it met a challenge before its end, while the demo's first pass meets challenges that ended
 *   weeks ago and would tell their owners they "end in -10 days";
 * - the README returns nothing for an inactive challenge (`is_active`); the demo's challenges have no
 *   such flag, so `challenge_created` has no condition.
 */
export const demoGenerators: Pick<NewGenerator, "name" | "group" | "conditions">[] = [
  { name: "challenge_created", group: "challenge_created", conditions: [] },
  {
    name: "challenge_inactivity_2d",
    group: "challenge_inactivity_2d",
    conditions: [condition("days_since_start", ">", "2"), condition("donation_count", "<", "2")],
  },
  {
    name: "challenge_ends_2d",
    group: "challenge_ends_2d",
    conditions: [condition("days_until_end", "<=", "2"), condition("days_until_end", ">=", "0")],
  },
  { name: "challenge_ended", group: "challenge_ended", conditions: [condition("has_ended", "=", "true")] },
];

const everyone =
  "{% for p in participants %}{{ p.name }} <{{ p.email }}>{% unless forloop.last %}, {% endunless %}{% endfor %}";
const footer = `<p style="color:#71717a;font-size:13px">Sent by Spark's demo: the challenge_* templates under Templates.</p>`;

/** The demo templates' layout: a stored one, as any operator would write it under Templates → Layouts. */
export const demoLayout: PartialInput = {
  name: "demo",
  kind: "layout",
  body: `<div style="max-width:600px;margin:0 auto;border-top:4px solid #f59e0b;padding-top:16px">\n{{ content }}\n</div>\n`,
};

/** One template per demo group, so the first Run now ends with mail in the Inbox. */
export const demoTemplates: Omit<TemplateFields, "layout">[] = [
  {
    name: "Challenge created",
    group: "challenge_created",
    active: true,
    from: "",
    to: "{{ owner_name }} <{{ owner_email }}>",
    cc: "",
    bcc: "",
    replyTo: "",
    subject: "Your challenge “{{ title }}” is set up",
    html: `<h1>{{ title }}</h1>\n<p>Hi {{ owner_name }},</p>\n<p>Your challenge starts {{ starts_at | date: "%B %-d" }} and ends {{ ends_at | date: "%B %-d, %Y" }}. Share it: every donation counts.</p>\n${footer}`,
    text: "",
  },
  {
    name: "No donations after two days",
    group: "challenge_inactivity_2d",
    active: true,
    from: "",
    to: "{{ owner_name }} <{{ owner_email }}>",
    cc: "",
    bcc: "",
    replyTo: "",
    subject: "“{{ title }}” needs donations",
    html: `<p>Hi {{ owner_name }},</p>\n<p>“{{ title }}” started {{ days_since_start }} days ago and {% if donation_count == 0 %}nobody has donated yet{% else %}has one donation so far{% endif %}. A message to friends often gets the next one in.</p>\n${footer}`,
    text: "",
  },
  {
    name: "Challenge ends in two days",
    group: "challenge_ends_2d",
    active: true,
    from: "",
    to: everyone,
    cc: "",
    bcc: "",
    replyTo: "",
    subject:
      "“{{ title }}” ends {% if days_until_end == 0 %}today{% elsif days_until_end == 1 %}tomorrow{% else %}in {{ days_until_end }} days{% endif %}",
    html: `<p>Hello,</p>\n<p>“{{ title }}” ends {{ ends_at | date: "%B %-d" }}. It has {{ donation_count }} donation{% if donation_count != 1 %}s{% endif %} so far.</p>\n${footer}`,
    text: "",
  },
  {
    name: "Challenge ended",
    group: "challenge_ended",
    active: true,
    from: "",
    to: everyone,
    cc: "",
    bcc: "",
    replyTo: "",
    subject: "“{{ title }}” has ended",
    html: `<p>Hello,</p>\n<p>“{{ title }}” is over: {{ donation_count }} donation{% if donation_count != 1 %}s{% endif %}, {{ donation_total }} in all. Thank you!</p>\n${footer}`,
    text: "",
  },
];

export type DemoSeedResult = { generators: string[]; templates: string[] };

/** Runs one statement in the database being built: plain SQL, with $1… parameters when given. */
export type SampleExec = (sql: string, params?: unknown[]) => Promise<unknown>;

const DEMO_TABLES = `
  create schema if not exists demo;
  create table demo.participants (
    id integer generated by default as identity primary key,
    name text not null,
    email text not null
  );
  create table demo.challenges (
    id integer generated by default as identity primary key,
    title text not null,
    owner_id integer not null references demo.participants (id),
    created_at timestamptz not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null
  );
  create table demo.donations (
    id integer generated by default as identity primary key,
    challenge_id integer not null references demo.challenges (id) on delete cascade,
    participant_id integer not null references demo.participants (id),
    amount numeric(12, 2) not null check (amount > 0),
    created_at timestamptz not null
  );
  create index donations_challenge_id_idx on demo.donations (challenge_id);
`;

/**
 * The demo application's data (participants, challenges, donations), written into the embedded sample
 * database when its image is built: it is the application's data, so it never lives in Spark's own
 * database. Dates are relative to `now`, so the generators match as soon as the demo starts.
 */
export async function seedDemoData(
  exec: SampleExec,
  now: Date,
): Promise<{ participants: number; challenges: number; donations: number }> {
  const at = (days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();
  await exec(DEMO_TABLES);
  for (const p of participants)
    await exec("insert into demo.participants (name, email) values ($1, $2)", [p.name, p.email]);
  const idOf = (email: string) => {
    const index = participants.findIndex((p) => p.email === email);
    if (index < 0) throw new Error(`The demo seed names ${email}, who is not among its participants.`);
    return index + 1;
  };
  let donations = 0;
  for (const [index, c] of challenges.entries()) {
    await exec(
      "insert into demo.challenges (title, owner_id, created_at, starts_at, ends_at) values ($1, $2, $3, $4, $5)",
      [c.title, idOf(c.owner), at(c.created), at(c.starts), at(c.ends)],
    );
    for (const d of c.donations) {
      await exec(
        "insert into demo.donations (challenge_id, participant_id, amount, created_at) values ($1, $2, $3, $4)",
        [index + 1, idOf(d.donor), d.amount, at(d.at)],
      );
      donations++;
    }
  }
  return { participants: participants.length, challenges: challenges.length, donations };
}

/**
 * Adds the demo's generators, layout and templates to Spark's database; the demo's data lives in the
 * sample database (seedDemoData). Safe to run again: a generator, layout or template goes in only when
 * none has its name yet (in any case), so an edited demo generator is left as the operator left it.
 */
export async function seedDemo({ db, clock }: { db: Db; clock: () => Date }): Promise<DemoSeedResult> {
  const now = clock();
  return db.transaction(async (tx) => {
    // Two processes seeding one Postgres at once would otherwise race on the names.
    await tx.execute(sql`select pg_advisory_xact_lock(${DEMO_LOCK}::bigint)`);
    const source = `code:${challengesSource.name}`;
    const inserted = await tx
      .insert(generators)
      .values(demoGenerators.map((g) => ({ ...g, source, active: true, createdAt: now, updatedAt: now })))
      .onConflictDoNothing()
      .returning({ name: generators.name });
    const templates: string[] = [];
    const layout = await insertPartial(tx, { fields: demoLayout, by: null, at: now });
    if (layout)
      await insertPartialVersion(tx, {
        partialId: layout.id,
        version: 1,
        fields: demoLayout,
        note: "created by the demo",
        createdBy: null,
        createdAt: now,
      });
    for (const demo of demoTemplates) {
      const fields = { ...demo, layout: demoLayout.name };
      const template = await insertTemplate(tx, { fields, by: null, at: now });
      if (!template) continue;
      await insertTemplateVersion(tx, {
        templateId: template.id,
        version: 1,
        fields,
        note: "created by the demo",
        createdBy: null,
        createdAt: now,
      });
      templates.push(template.name);
    }
    return { generators: inserted.map((g) => g.name), templates };
  });
}
