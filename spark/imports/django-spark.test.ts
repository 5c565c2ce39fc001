import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertConnection } from "@/db/queries/connections";
import { listRecentEventsByGroupPattern } from "@/db/queries/events";
import { readEventsInCommitOrder } from "@/db/queries/event-streams";
import { insertGenerator } from "@/db/queries/generators";
import { countPastEventsWithoutMail } from "@/db/queries/outbox";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { listTemplates } from "@/db/queries/templates";
import { rowsOf } from "@/db/rows";
import { createAppMysql, createAppPostgres, testConnections } from "@/testing/connections";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import type { Connections } from "../connections";
import type { Deps } from "../deps";
import { originOf } from "../events/origin";
import { runJob } from "../job/job";
import { djangoMailFields, translateDjangoTemplate } from "../mail/django-template";
import { DJANGO_SPARK_SOURCE, importDjangoSpark } from "./django-spark";
import { MAX_KEY_CHARS } from "./django-spark-source";

const postgresUrl = process.env.TEST_DATABASE_URL;
const mysqlUrl = process.env.TEST_MYSQL_URL;

type Site = {
  kind: "postgres" | "mysql";
  target: {
    kind: "postgres" | "mysql";
    host: string;
    port: number;
    database: string;
    username: string;
    password: string;
    ssl: false;
  };
  drop: () => Promise<void>;
};

// A django-spark site: the application's challenges, and what django-spark's migrations create
// (spark_event: key varchar(100) primary key, group varchar(50), created_at, context; spark_mails_mail:
// id, event_group unique, template_source), as its process_spark_sources left them.
const challenges = [
  [1, "Run 5k", 1],
  [2, "Swim", 2],
  [3, "Bike", 5],
  [4, "Climb", 10],
  [5, "Row", 1],
  [6, "Walk", 30],
] as const;
const handledKeys = [
  ["challenge_created_1", "challenge_created"],
  ["challenge_created_2", "challenge_created"],
  ["challenge_created_3", "challenge_created"],
  ["challenge_created_4", "challenge_created"],
  ["challenge_ends_2d_1", "challenge_ends_2d"],
  ["challenge_ends_2d_2", "challenge_ends_2d"],
  ["challenge_ends_3", "challenge_ends"],
  // Its README's own groups, for generators Spark does not have (yet): translated by the row's group.
  ["challenge_inactivity_2d_4", "challenge_inactivity_2d"],
] as const;
const mails: [string, string][] = [
  ["challenge_created", "{% load i18n %}\nWelcome to {{ title }}\n\nHi,\n\nyour challenge {{ title }} has started.\n"],
  ["challenge_ends", "Your challenge ends soon\n\nHello,\n{% include '/etc/passwd' %}\n"],
  ["challenge_ended", "{% load i18n %}\n\n{% trans 'Ended' %}\n\n{% blocktrans %}It ended.{% endblocktrans %}\n"],
];

const quote = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

function siteStatements(kind: "postgres" | "mysql", extraKeys: [string, string][] = []): string[] {
  const g = kind === "mysql" ? "`group`" : '"group"';
  const k = kind === "mysql" ? "`key`" : "key";
  const auto = kind === "mysql" ? "integer auto_increment primary key" : "serial primary key";
  const at = kind === "mysql" ? "datetime(6)" : "timestamptz";
  return [
    "create table challenges (id integer primary key, title varchar(100) not null, days_left integer not null)",
    `insert into challenges values ${challenges.map(([id, title, days]) => `(${id}, ${quote(title)}, ${days})`).join(", ")}`,
    `create table spark_event (${k} varchar(100) primary key, ${g} varchar(50) not null, created_at ${at} not null, context text not null)`,
    `create index spark_event_group on spark_event (${g})`,
    `insert into spark_event (${k}, ${g}, created_at, context) values ${[...handledKeys, ...extraKeys]
      .map(([key, group]) => `(${quote(key)}, ${quote(group)}, '2024-03-01 10:00:00', '{}')`)
      .join(", ")}`,
    `create table spark_mails_mail (id ${auto}, event_group varchar(50) not null unique, template_source text not null)`,
    `insert into spark_mails_mail (event_group, template_source) values ${mails.map(([group, source]) => `(${quote(group)}, ${quote(source)})`).join(", ")}`,
  ];
}

async function createSite(kind: "postgres" | "mysql", statements: string[]): Promise<Site> {
  if (kind === "postgres") {
    const app = await createAppPostgres(postgresUrl!, statements.join(";\n"));
    return { kind, target: app.target, drop: app.drop };
  }
  const app = await createAppMysql(mysqlUrl!, statements);
  return { kind, target: app.target, drop: app.drop };
}

const kinds = [...(postgresUrl ? (["postgres"] as const) : []), ...(mysqlUrl ? (["mysql"] as const) : [])];

describe.each(kinds)(`django-spark's database on %s, imported into Spark on ${testDriver}`, (kind) => {
  let database: Database;
  let connections: Connections;
  let deps: Deps;
  let site: Site;
  let connectionId: string;
  const clock = () => new Date("2026-12-01T12:00:00Z");

  const keysOf = async (where = sql`true`) =>
    rowsOf<{ key: string }>(await database.db.execute(sql`select key from events where ${where} order by key`)).map(
      (r) => r.key,
    );

  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database);
    deps = testDeps(database, { connections, clock });
    site = await createSite(kind, siteStatements(kind));
    const stored = await insertConnection(database.db, {
      values: {
        name: "django-site",
        kind,
        host: site.target.host,
        port: site.target.port,
        database: site.target.database,
        username: site.target.username,
        ssl: false,
      },
      passwordSealed: connections.secrets!.seal(site.target.password),
      origin: "ui",
      by: null,
    });
    connectionId = stored!.id;
    // The same generators django-spark's README registers, configured in Spark over the same table.
    const source = await insertSqlSource(database.db, {
      name: "challenges",
      description: "",
      connectionId,
      query: "select id, title, days_left from challenges",
      variables: { id: { type: "number" }, title: { type: "string" }, days_left: { type: "number" } },
    });
    const ref = `sql:${source!.id}`;
    await insertGenerator(database.db, { name: "created", group: "challenge_created", source: ref, conditions: [] });
    await insertGenerator(database.db, {
      name: "ends in 2 days",
      group: "challenge_ends_2d",
      source: ref,
      conditions: [{ variable: "days_left", operator: "<=", value: "2" }],
    });
    await insertGenerator(database.db, {
      name: "ends in a week",
      group: "challenge_ends",
      source: ref,
      conditions: [{ variable: "days_left", operator: "<=", value: "7" }],
    });
  });
  afterAll(async () => {
    await site?.drop();
    await connections?.close();
    await database?.close();
  });

  it("counts what an import would do without writing anything (dry run)", async () => {
    const report = await importDjangoSpark(deps, {
      connection: await connections.open(connectionId),
      dryRun: true,
      by: null,
    });
    expect(report.tables).toEqual({ events: true, mails: true });
    expect(report.events).toMatchObject({ read: 8, translated: 8, kept: 0, present: 0, skipped: 0 });
    // The translation to Liquid runs in a dry run too: the include and the translations are refused already.
    expect(report.templates).toMatchObject({ read: 3, imported: 1, refused: 2, present: 0 });
    expect(await keysOf()).toEqual([]);
    expect(await listTemplates(database.db)).toEqual([]);
  });

  it("records django-spark's handled keys under Spark's keys, without mail or publishing, and the first pass records only what django-spark never handled", async () => {
    const report = await importDjangoSpark(deps, {
      connection: await connections.open(connectionId),
      dryRun: false,
      by: null,
      batchSize: 3,
    });
    expect(report.events).toMatchObject({ read: 8, translated: 8, kept: 0, present: 0, skipped: 0 });
    expect(await keysOf()).toEqual([
      "challenge_created:1",
      "challenge_created:2",
      "challenge_created:3",
      "challenge_created:4",
      "challenge_ends:3",
      "challenge_ends_2d:1",
      "challenge_ends_2d:2",
      "challenge_inactivity_2d:4",
    ]);
    const [event] = rowsOf<{ source: string; context: unknown; created_at: Date | string }>(
      await database.db.execute(sql`select source, context, created_at from events where key = 'challenge_ends_2d:1'`),
    );
    expect(event!.source).toBe(DJANGO_SPARK_SOURCE);
    expect(originOf(event!.source)).toBe("import");
    expect(event!.context).toEqual({ django_spark_key: "challenge_ends_2d_1" });
    expect(new Date(event!.created_at).toISOString()).toBe("2024-03-01T10:00:00.000Z");
    // Nothing ran: no mail queued, and subscriptions and GET /api/events are not handed history as news.
    const outbox = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from mail_outbox`));
    expect(outbox[0]!.n).toBe(0);
    const summary = await runJob(deps, { trigger: "manual" });
    expect(summary.status).toBe("ok");
    expect(await keysOf(sql`source is distinct from ${DJANGO_SPARK_SOURCE}`)).toEqual([
      "challenge_created:5",
      "challenge_created:6",
      "challenge_ends:1",
      "challenge_ends:2",
      "challenge_ends:5",
      "challenge_ends_2d:5",
    ]);
    // Subscriptions and GET /api/events read in commit order: the pass's events arrive (once every
    // transaction older than them has ended, which on a shared server may take a moment), the imported
    // history never does, though it committed first.
    let published: string[] = [];
    for (let i = 0; i < 100 && published.length < 6; i++) {
      const page = await readEventsInCommitOrder(database.db, {
        after: { tx: "0", id: 0 },
        groupLike: null,
        limit: 100,
        scan: 100,
      });
      published = page.events.map((e) => e.key).sort();
      if (published.length < 6) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(published).toEqual([
      "challenge_created:5",
      "challenge_created:6",
      "challenge_ends:1",
      "challenge_ends:2",
      "challenge_ends:5",
      "challenge_ends_2d:5",
    ]);
  });

  it("imports spark_mails templates inactive, refusing an include of a file and Django-only tags with the line in the source", async () => {
    const templates = await listTemplates(database.db);
    expect(templates.map((t) => [t.name, t.groupPattern, t.active])).toEqual([
      ["django-spark challenge_created", "challenge_created", false],
    ]);
    // Each field renders the whole source, then keeps its part of the rendered mail, as spark_mails split it.
    expect(templates[0]).toMatchObject(
      djangoMailFields(
        (
          translateDjangoTemplate(
            "{% load i18n %}\nWelcome to {{ title }}\n\nHi,\n\nyour challenge {{ title }} has started.\n",
          ) as { liquid: string }
        ).liquid,
      ),
    );
    const report = await importDjangoSpark(deps, {
      connection: await connections.open(connectionId),
      dryRun: true,
      by: null,
    });
    expect(report.templates).toMatchObject({ read: 3, present: 1 });
  });

  it("changes nothing when run twice: every key and template is reported as already present", async () => {
    const before = await keysOf();
    const report = await importDjangoSpark(deps, {
      connection: await connections.open(connectionId),
      dryRun: false,
      by: null,
    });
    expect(report.events).toMatchObject({ read: 8, translated: 0, kept: 0, present: 8, skipped: 0 });
    expect(report.templates.present).toBe(1);
    expect(await keysOf()).toEqual(before);
    expect((await listTemplates(database.db)).length).toBe(1);
  });

  it("leaves imported keys out of past-event mail and of the examples a template is checked on", async () => {
    const [template] = await listTemplates(database.db);
    const past = await countPastEventsWithoutMail(database.db, {
      templateId: template!.id,
      groupRegex: "^challenge_created$",
      from: new Date("2000-01-01T00:00:00Z"),
      to: new Date("2100-01-01T00:00:00Z"),
    });
    // The two the pass recorded, not the four django-spark had mailed.
    expect(past).toBe(2);
    const recent = await listRecentEventsByGroupPattern(database.db, { pattern: "challenge_inactivity_2d", limit: 5 });
    expect(recent).toEqual([]);
  });
});

describe.each(kinds)(`a hostile django-spark database on %s, imported on ${testDriver}`, (kind) => {
  let database: Database;
  let connections: Connections;
  let deps: Deps;
  let site: Site;
  const clock = () => new Date("2026-12-01T12:00:00Z");

  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database);
    deps = testDeps(database, { connections, clock });
    const k = kind === "mysql" ? "`key`" : "key";
    const g = kind === "mysql" ? "`group`" : '"group"';
    const at = kind === "mysql" ? "datetime(6)" : "timestamptz";
    const long = (n: number, tail: string) => `challenge_created_${"9".repeat(n)}${tail}`;
    const rows: [string, string, string | null][] = [
      ["challenge_created_7\u0007", "challenge_created", "2024-01-01 00:00:00"],
      ["challenge_created_8\n\u001b[31mred", "challenge_created", "2024-01-01 00:00:00"],
      ["", "challenge_created", "2024-01-01 00:00:00"],
      ["challenge_ends_2d_17", "challenge_ends", "2024-01-01 00:00:00"],
      ["challenge_ends_2d_18", "challenge_ends_2d", "2024-01-01 00:00:00"],
      ["bad group_1", "bad group", "2024-01-01 00:00:00"],
      ["welcome-ada@example.com", "welcome", null],
      ["newsletter_sent_9", "newsletter_sent", "2999-01-01 00:00:00"],
      ["x_1", "g".repeat(400), "2024-01-01 00:00:00"],
      // Long keys sharing their first characters, read in batches smaller than their number: the read
      // must step past each, not meet the same one forever.
      ...Array.from({ length: 5 }, (_, i): [string, string, string] => [
        long(600, `_${i}`),
        "challenge_created",
        "2024-01-01 00:00:00",
      ]),
      [long(MAX_KEY_CHARS - 20, ""), "challenge_created", "2024-01-01 00:00:00"],
    ];
    const templates: [string, string][] = [
      ["challenge_created", "Hi {{ title }}\n\nline two\n{% render '../../etc/passwd' %}\n"],
      ["bad group", "Subject\n\nBody\n"],
      ["challenge_ended", "Ended\n\n" + "x".repeat(300_001)],
      ["challenge_ends", "   \n\n  \n"],
      ["x".repeat(95), "Subject\n\nBody\n"],
    ];
    const statements = [
      `create table spark_event (${k} text not null, ${g} text not null, created_at ${at} null, context text)`,
      kind === "mysql"
        ? `alter table spark_event add primary key (${k}(700))`
        : `alter table spark_event add primary key (${k})`,
      ...rows.map(
        ([key, group, time]) =>
          `insert into spark_event (${k}, ${g}, created_at) values (${quote(key)}, ${quote(group)}, ${time ? quote(time) : "null"})`,
      ),
      `create table spark_mails_mail (id integer primary key, event_group text not null, template_source ${kind === "mysql" ? "longtext" : "text"} not null)`,
      ...templates.map(
        ([group, source], i) => `insert into spark_mails_mail values (${i + 1}, ${quote(group)}, ${quote(source)})`,
      ),
    ];
    site = await createSite(kind, statements);
    await insertGenerator(database.db, {
      name: "created",
      group: "challenge_created",
      source: "code:none",
      conditions: [],
    });
    await insertGenerator(database.db, { name: "ends", group: "challenge_ends", source: "code:none", conditions: [] });
    await insertGenerator(database.db, {
      name: "ends 2d",
      group: "challenge_ends_2d",
      source: "code:none",
      conditions: [],
    });
  });
  afterAll(async () => {
    await site?.drop();
    await connections?.close();
    await database?.close();
  });

  it("skips control characters, empty and enormous keys and groups Spark cannot hold, reports ambiguous keys, and keeps keys of no group", async () => {
    const connection = connections.forTarget("hostile", site.target);
    const report = await importDjangoSpark(deps, { connection, dryRun: false, by: null, batchSize: 2 });
    const { events } = report;
    expect(events.read).toBe(15);
    expect(events.skippedBy).toEqual({
      "unreadable characters": 2,
      empty: 1,
      ambiguous: 1,
      "not a group": 2,
      "too long": 5,
    });
    expect(events).toMatchObject({ translated: 3, kept: 1, skipped: 11 });
    const ambiguous = events.skips.find((s) => s.reason.includes("reads as"));
    expect(ambiguous?.reason).toBe(
      "The key reads as challenge_ends_2d:17 or challenge_ends:2d_17, and its group (challenge_ends) does not say which.",
    );
    // What a report shows of a hostile key is escaped and short.
    const shown = events.skips.map((s) => s.key).join("\n");
    expect([...shown].filter((c) => c !== "\n" && c.charCodeAt(0) < 32)).toEqual([]);
    expect(shown).toContain("\\u001b[31mred");
    expect(Math.max(...events.skips.map((s) => s.key.length))).toBeLessThan(130);
    const keys = rowsOf<{ key: string; created_at: Date | string }>(
      await database.db.execute(sql`select key, created_at from events order by key`),
    );
    expect(keys.map((r) => r.key)).toEqual([
      `challenge_created:${"9".repeat(MAX_KEY_CHARS - 20)}`,
      "challenge_ends_2d:18",
      "newsletter_sent:9",
      "welcome-ada@example.com",
    ]);
    // A time in the future, or none, is the time of the import.
    for (const row of keys.filter((r) => /newsletter|welcome/.test(r.key)))
      expect(new Date(row.created_at).toISOString()).toBe("2026-12-01T12:00:00.000Z");
  });

  it("refuses templates that read files, have groups Spark cannot hold, are enormous or empty, each with its reason", async () => {
    const report = await importDjangoSpark(deps, {
      connection: connections.forTarget("hostile", site.target),
      dryRun: false,
      by: null,
    });
    expect(report.templates).toMatchObject({ read: 5, imported: 0, refused: 5, present: 0 });
    const reasons = report.templates.items.map((t) => t.reason ?? "");
    expect(reasons[0]).toMatch(/^Line 4: \{% render '\.\.\/\.\.\/etc\/passwd' %\} — \{% render %\} is not a tag/);
    expect(reasons[1]).toMatch(/is not a Spark group/);
    expect(reasons[2]).toMatch(/over 300k characters/);
    expect(reasons[3]).toMatch(/no non-empty line/);
    expect(reasons[4]).toMatch(/too long to name the template/);
    expect(await listTemplates(database.db)).toEqual([]);
  });

  it("stops after its current batch when asked (Ctrl+C), saying so, and keeps what it recorded", async () => {
    const stop = new AbortController();
    const report = await importDjangoSpark(deps, {
      connection: connections.forTarget("hostile", site.target),
      dryRun: false,
      by: null,
      batchSize: 2,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    });
    expect(report).toMatchObject({ stopped: true, events: { read: 2 }, templates: { read: 0 } });
  });

  it("refuses a source whose user may write: the import reads only through a read-only user", async () => {
    if (kind !== "postgres") return;
    const { default: postgres } = await import("postgres");
    const url = new URL(postgresUrl!);
    url.pathname = `/${site.target.database}`;
    const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`grant insert on spark_event to ${site.target.username}`);
      const connection = connections.forTarget("hostile", site.target);
      // PostgreSQL's read-only transaction refuses the write whatever the grants; the session is read-only.
      await expect(connection.query("insert into spark_event (key, \"group\") values ('x', 'y')", [])).rejects.toThrow(
        /only reads|read-only/,
      );
    } finally {
      await admin.unsafe(`revoke insert on spark_event from ${site.target.username}`);
      await admin.end();
    }
  });
});

describe.skipIf(!postgresUrl || testDriver !== "pglite")("a large django-spark table", () => {
  let database: Database;
  let connections: Connections;
  let site: Site;
  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database);
    site = await createSite("postgres", [
      `create table spark_event (key varchar(100) primary key, "group" varchar(50) not null, created_at timestamptz not null, context text not null default '')`,
      `insert into spark_event (key, "group", created_at) select 'signup_' || g, 'signup', now() - interval '1 day' from generate_series(1, 50000) g`,
    ]);
  });
  afterAll(async () => {
    await site?.drop();
    await connections?.close();
    await database?.close();
  });

  it("is read in keyset batches of bounded size, with progress after each, and every key recorded once", async () => {
    const batches: number[] = [];
    const report = await importDjangoSpark(testDeps(database, { connections }), {
      connection: connections.forTarget("large", site.target),
      dryRun: false,
      by: null,
      onProgress: (r) => batches.push(r.events.read),
    });
    expect(batches).toHaveLength(25);
    expect(batches.every((read, i) => read === (i + 1) * 2_000)).toBe(true);
    expect(report.events).toMatchObject({ read: 50_000, translated: 50_000, present: 0, skipped: 0 });
    const [row] = rowsOf<{ n: number; distinct: number }>(
      await database.db.execute(sql`select count(*)::int as n, count(distinct key)::int as distinct from events`),
    );
    expect(row).toEqual({ n: 50_000, distinct: 50_000 });
  }, 120_000);
});
