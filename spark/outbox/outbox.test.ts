import { sql } from "drizzle-orm";
import type { ReservedSql, Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertConnection } from "@/db/queries/connections";
import { findOutboxSourceById, insertOutboxSource, setOutboxSourceActive } from "@/db/queries/outbox-sources";
import { insertGenerator } from "@/db/queries/generators";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { rowsOf } from "@/db/rows";
import type { OutboxSource } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { createAppMysql, createAppPostgres, testConnections } from "../../testing/connections";
import type { Connections } from "../connections";
import type { Handler } from "../events/handlers";
import { createHandlerMatcher } from "../events/handlers";
import { generateEvents, runJob } from "../job/job";
import { runFigures } from "../job/figures";
import { templateInput, saveTemplate } from "../mail/templates";
import { checkOutboxTable, saveOutboxSource } from "./outbox-sources";
import { readOutboxSource } from "./read";

const pgUrl = process.env.TEST_DATABASE_URL;
const mysqlUrl = process.env.TEST_MYSQL_URL;
const TIMEOUT_MS = 2_000;

type Row = { group: string; key: string; context?: string };
type OpenTx = { insert(row: Row): Promise<number>; commit(): Promise<void>; rollback(): Promise<void> };

/** An application's database with a least-privileged reader, and the admin's hands on it. */
type App = {
  kind: "postgres" | "mysql";
  database: string;
  target: { host: string; port: number; database: string; username: string; password: string };
  /** Creates an outbox table as the README writes it, readable by the reader. */
  createTable(name: string): Promise<void>;
  exec(statement: string): Promise<void>;
  insert(table: string, rows: Row[]): Promise<number[]>;
  begin(table: string): Promise<OpenTx>;
  close(): Promise<void>;
};

const pgDdl = (name: string) => `create table ${name} (
  id bigint generated always as identity primary key,
  event_group text not null,
  event_key text not null,
  context jsonb not null default '{}',
  created_at timestamptz not null default now()
)`;

const mysqlDdl = (name: string) => `create table ${name} (
  id bigint unsigned not null auto_increment primary key,
  event_group varchar(100) not null,
  event_key varchar(200) not null,
  context json not null,
  created_at timestamp(6) not null default current_timestamp(6)
)`;

async function openPostgresApp(adminUrl: string): Promise<App> {
  const { default: postgres } = await import("postgres");
  const app = await createAppPostgres(adminUrl, "select 1");
  const admin = postgres(app.adminUrl, { max: 3, onnotice: () => {} });
  const insertOne = async (q: Sql | ReservedSql, table: string, row: Row) => {
    const [r] = await q.unsafe(
      `insert into ${table} (event_group, event_key, context) values ($1, $2, coalesce($3::text::jsonb, '{}')) returning id`,
      [row.group, row.key, row.context ?? null],
    );
    return Number(r!.id);
  };
  return {
    kind: "postgres",
    database: app.target.database,
    target: app.target,
    async createTable(name) {
      await admin.unsafe(pgDdl(name));
      await admin.unsafe(`grant select on ${name} to ${app.target.username}`);
    },
    exec: async (statement) => void (await admin.unsafe(statement)),
    async insert(table, rows) {
      const ids: number[] = [];
      for (const row of rows) ids.push(await insertOne(admin, table, row));
      return ids;
    },
    async begin(table) {
      const tx = await admin.reserve();
      await tx.unsafe("begin");
      return {
        insert: (row) => insertOne(tx, table, row),
        commit: async () => {
          await tx.unsafe("commit");
          tx.release();
        },
        rollback: async () => {
          await tx.unsafe("rollback");
          tx.release();
        },
      };
    },
    close: async () => {
      await admin.end();
      await app.drop();
    },
  };
}

async function openMysqlApp(rootUrl: string): Promise<App> {
  const mysql = await import("mysql2/promise");
  const app = await createAppMysql(rootUrl, []);
  const url = new URL(rootUrl);
  const open = () =>
    mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username) || "root",
      password: decodeURIComponent(url.password),
      database: app.target.database,
    });
  const admin = await open();
  const insertOne = async (c: Awaited<ReturnType<typeof open>>, table: string, row: Row) => {
    const [result] = await c.query(`insert into ${table} (event_group, event_key, context) values (?, ?, ?)`, [
      row.group,
      row.key,
      row.context ?? "{}",
    ]);
    return Number((result as { insertId: number }).insertId);
  };
  return {
    kind: "mysql",
    database: app.target.database,
    target: app.target,
    createTable: async (name) => void (await admin.query(mysqlDdl(name))),
    exec: async (statement) => void (await admin.query(statement)),
    async insert(table, rows) {
      const ids: number[] = [];
      for (const row of rows) ids.push(await insertOne(admin, table, row));
      return ids;
    },
    async begin(table) {
      const c = await open();
      await c.beginTransaction();
      return {
        insert: (row) => insertOne(c, table, row),
        commit: async () => {
          await c.commit();
          await c.end();
        },
        rollback: async () => {
          await c.rollback();
          await c.end();
        },
      };
    },
    close: async () => {
      await admin.end();
      await app.drop();
    },
  };
}

const apps: { name: string; open: () => Promise<App> }[] = [];
if (pgUrl) apps.push({ name: "PostgreSQL", open: () => openPostgresApp(pgUrl) });
if (mysqlUrl) apps.push({ name: "MariaDB", open: () => openMysqlApp(mysqlUrl) });

let tables = 0;
const nextTable = () => `outbox_${++tables}_${Math.random().toString(36).slice(2, 7)}`;
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

// Without a server to hold the application's table, the file says what it needs instead of passing empty.
if (apps.length === 0)
  describe("outbox tables", () => {
    it.todo("reads an outbox table on PostgreSQL (TEST_DATABASE_URL) and MariaDB (TEST_MYSQL_URL)");
  });

describe.each(apps)(`outbox tables on $name (Spark on ${testDriver})`, ({ open }) => {
  let database: Database;
  let connections: Connections;
  let app: App;
  let connectionId: string;
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;

  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database, { timeoutMs: TIMEOUT_MS });
    app = await open();
    const row = await insertConnection(database.db, {
      values: {
        name: unique("app"),
        kind: app.kind,
        host: app.target.host,
        port: app.target.port,
        database: app.target.database,
        username: app.target.username,
        ssl: false,
      },
      passwordSealed: connections.secrets!.seal(app.target.password),
      origin: "ui",
      by: null,
    });
    connectionId = row!.id;
  });
  afterAll(async () => {
    await app?.close();
    await connections?.close();
    await database?.close();
  });

  const deps = (handlers: Handler[] = []) => testDeps(database, { clock, connections, handlers });

  async function newSource(tableName: string, { connection = connectionId } = {}): Promise<OutboxSource> {
    const source = await insertOutboxSource(database.db, {
      name: unique("outbox"),
      description: "",
      connectionId: connection,
      tableName,
    });
    return (await setOutboxSourceActive(database.db, { id: source!.id, active: true, at: clock() }))!;
  }

  /** One pass over one source, with the handlers a job would give it; the source re-read first, as a job does. */
  async function pass(
    source: OutboxSource,
    {
      handlers = [] as Handler[],
      horizonMs = undefined as number | undefined,
      maxGaps = undefined as number | undefined,
    } = {},
  ) {
    const current = (await findOutboxSourceById(database.db, { id: source.id }))!;
    return readOutboxSource(deps(handlers), current, {
      handlers,
      matcher: createHandlerMatcher(handlers),
      horizonMs,
      maxGaps,
    });
  }

  const eventsOf = async (source: OutboxSource) =>
    rowsOf<{ group: string; key: string; context: Record<string, unknown>; generator_id: string | null }>(
      await database.db.execute(
        sql`select event_group as group, key, context, generator_id from events where source = ${`outbox:${source.id}`} order by id`,
      ),
    );

  it("records new rows as events with their own group, key and context, and a second pass records nothing new", async () => {
    const table = nextTable();
    await app.createTable(table);
    const k1 = unique("order-1");
    const k2 = unique("order-2");
    await app.insert(table, [
      { group: "order.placed", key: k1, context: '{"total": 12.5, "items": [1, 2]}' },
      { group: "order.shipped", key: k2 },
    ]);
    const source = await newSource(table);
    const first = await pass(source);
    expect(first.errors).toEqual([]);
    expect(first.counts).toMatchObject({
      candidates: 2,
      passed: 2,
      recorded: 2,
      seen: 0,
      source: `outbox:${source.id}`,
    });
    expect(await eventsOf(source)).toEqual([
      { group: "order.placed", key: k1, context: { total: 12.5, items: [1, 2] }, generator_id: null },
      { group: "order.shipped", key: k2, context: {}, generator_id: null },
    ]);
    const second = await pass(source);
    expect(second.counts).toMatchObject({ candidates: 0, recorded: 0 });
    const saved = (await findOutboxSourceById(database.db, { id: source.id }))!;
    expect(saved).toMatchObject({ checkpoint: 2, gaps: [], lastError: null });
    expect(saved.lastReadAt?.toISOString()).toBe(now.toISOString());
  });

  it("records a row whose transaction commits after a higher id was read, on the next pass", async () => {
    const table = nextTable();
    await app.createTable(table);
    const source = await newSource(table);
    const late = await app.begin(table);
    const lateKey = unique("late");
    const lateId = await late.insert({ group: "late", key: lateKey });
    const [earlyId] = await app.insert(table, [{ group: "early", key: unique("early") }]);
    expect(earlyId).toBeGreaterThan(lateId);
    try {
      const first = await pass(source);
      expect(first.counts.recorded).toBe(1);
      const during = (await findOutboxSourceById(database.db, { id: source.id }))!;
      expect(during.checkpoint).toBe(earlyId);
      expect(during.gaps).toEqual([{ from: 1, to: earlyId! - 1, seenAt: now.toISOString() }]);
    } finally {
      await late.commit();
    }
    now = new Date(now.getTime() + 60_000);
    const second = await pass(source);
    expect(second.counts).toMatchObject({ candidates: 1, recorded: 1 });
    expect((await eventsOf(source)).map((e) => e.key)).toContain(lateKey);
    const after = (await findOutboxSourceById(database.db, { id: source.id }))!;
    expect(after.gaps).toEqual(lateId > 1 ? [{ from: 1, to: lateId - 1, seenAt: expect.any(String) }] : []);
    expect((await pass(source)).counts.recorded).toBe(0);
  });

  it("gives up a rolled-back insert's gap once it is older than the horizon", async () => {
    const table = nextTable();
    await app.createTable(table);
    await app.insert(table, [{ group: "g", key: unique("a") }]);
    const source = await newSource(table);
    await pass(source);
    const rolled = await app.begin(table);
    const rolledId = await rolled.insert({ group: "g", key: unique("rolled") });
    await rolled.rollback();
    const [nextId] = await app.insert(table, [{ group: "g", key: unique("b") }]);
    expect(nextId).toBeGreaterThan(rolledId);
    await pass(source);
    const seenAt = now.toISOString();
    expect((await findOutboxSourceById(database.db, { id: source.id }))!.gaps).toEqual([
      { from: rolledId, to: nextId! - 1, seenAt },
    ]);
    now = new Date(now.getTime() + 9 * 60_000);
    await pass(source);
    expect((await findOutboxSourceById(database.db, { id: source.id }))!.gaps).toHaveLength(1);
    now = new Date(now.getTime() + 2 * 60_000);
    await pass(source);
    expect((await findOutboxSourceById(database.db, { id: source.id }))!).toMatchObject({
      gaps: [],
      checkpoint: nextId,
    });
  });

  it("merges the closest gaps past the cap, says so on the source, and still records a late row inside them", async () => {
    const table = nextTable();
    await app.createTable(table);
    const source = await newSource(table);
    const late = await app.begin(table);
    const lateKey = unique("late");
    await late.insert({ group: "late", key: lateKey });
    for (let i = 0; i < 3; i++) {
      await app.insert(table, [{ group: "g", key: unique("kept") }]);
      const rolled = await app.begin(table);
      await rolled.insert({ group: "g", key: unique("rolled") });
      await rolled.rollback();
    }
    const [lastId] = await app.insert(table, [{ group: "g", key: unique("last") }]);
    try {
      await pass(source, { maxGaps: 2 });
    } finally {
      await late.commit();
    }
    const capped = (await findOutboxSourceById(database.db, { id: source.id }))!;
    expect(capped.checkpoint).toBe(lastId);
    expect(capped.gaps.length).toBeLessThanOrEqual(2);
    expect(capped.lastError).toMatch(/^More than 2 gaps were open; the closest were merged/);
    const next = await pass(source, { maxGaps: 2 });
    expect(next.counts).toMatchObject({ recorded: 1 });
    expect((await eventsOf(source)).map((e) => e.key)).toContain(lateKey);
  });

  it("skips rows that are not valid events with an error naming each row, and records the rest", async () => {
    const table = nextTable();
    await app.createTable(table);
    let deep = "1";
    for (let i = 0; i < 40; i++) deep = `{"d": ${deep}}`;
    const huge = JSON.stringify({ blob: "x".repeat(10 * 1024 * 1024) });
    const good1 = unique("good");
    const good2 = unique("good");
    // MariaDB's JSON type refuses nesting past 32 levels itself, and its varchar a key past 200.
    const postgresOnly = app.kind === "postgres";
    const rows: { row: Row; problem: RegExp | null }[] = [
      { row: { group: "ok", key: good1 }, problem: null },
      { row: { group: "has space", key: unique("bad-group") }, problem: /skipped: group must be/ },
      { row: { group: "ok", key: "line\nbreak" }, problem: /skipped: key must not contain control characters/ },
      {
        row: { group: "ok", key: unique("array"), context: "[1, 2]" },
        problem: /skipped: .*context must be a JSON object/,
      },
      {
        row: { group: "ok", key: unique("huge"), context: huge },
        problem: /skipped: context is 10241 KiB; at most 256 KiB/,
      },
      ...(postgresOnly
        ? [
            { row: { group: "ok", key: unique("deep"), context: deep }, problem: /skipped: .*deeper than 32 levels/ },
            { row: { group: "ok", key: "k".repeat(500) }, problem: /skipped: key must be at most 200 characters/ },
            {
              row: { group: "g".repeat(1024 * 1024), key: unique("huge-group") },
              problem: /skipped: group must be 1–100/,
            },
          ]
        : [{ row: { group: "ok", key: "nul\u0000key" }, problem: /skipped: key must not contain control characters/ }]),
      { row: { group: "ok", key: good2, context: '{"fine": true}' }, problem: null },
    ];
    const ids = await app.insert(
      table,
      rows.map((r) => r.row),
    );
    const source = await newSource(table);
    const result = await pass(source);
    expect((await eventsOf(source)).map((e) => e.key)).toEqual([good1, good2]);
    expect(result.errors.every((e) => e.where === `outbox source ${source.name}`)).toBe(true);
    const expected = rows.flatMap((r, i) => (r.problem ? [new RegExp(`^Row id ${ids[i]} ${r.problem.source}`)] : []));
    expect(result.errors.map((e) => e.message)).toEqual(expected.map((re) => expect.stringMatching(re)));
    expect(result.counts).toMatchObject({ candidates: ids.length, passed: 2, recorded: 2 });
    const saved = (await findOutboxSourceById(database.db, { id: source.id }))!;
    expect(saved.checkpoint).toBe(Math.max(...ids));
    expect(saved.lastError).toMatch(
      new RegExp(`^Skipped ${ids.length - 2} rows in the last pass; the first: Row id ${ids[1]}`),
    );
    // Skipped for good: the next pass does not report them again.
    expect((await pass(source)).errors).toEqual([]);
  });

  it("reads a row whose handler threw again on the next pass, and records it once the handler succeeds", async () => {
    const table = nextTable();
    await app.createTable(table);
    const flaky = unique("flaky");
    const steady = unique("steady");
    const [flakyId] = await app.insert(table, [
      { group: "flaky", key: flaky },
      { group: "flaky", key: steady },
    ]);
    let failing = true;
    const handler: Handler = {
      name: "picky",
      group: /^flaky$/,
      async handle(event) {
        if (failing && event.key === flaky) throw new Error("not today");
      },
    };
    const source = await newSource(table);
    const first = await pass(source, { handlers: [handler] });
    expect(first.counts).toMatchObject({ candidates: 2, recorded: 1, failed: 1 });
    expect(first.errors).toEqual([{ where: "handler picky", key: flaky, message: "not today" }]);
    expect((await findOutboxSourceById(database.db, { id: source.id }))!.gaps).toEqual([
      { from: flakyId, to: flakyId, seenAt: now.toISOString() },
    ]);
    const again = await pass(source, { handlers: [handler] });
    expect(again.counts).toMatchObject({ candidates: 1, failed: 1 });
    failing = false;
    const third = await pass(source, { handlers: [handler] });
    expect(third.counts).toMatchObject({ candidates: 1, recorded: 1 });
    expect((await eventsOf(source)).map((e) => e.key).sort()).toEqual([flaky, steady].sort());
    expect((await findOutboxSourceById(database.db, { id: source.id }))!.gaps).toEqual([]);
  });

  it("queues mail for an outbox row whose group has an active template, in the event's transaction", async () => {
    const group = unique("outbox.mail").replace(/-/g, "_");
    const saved = await saveTemplate(deps(), {
      input: templateInput.parse({
        name: unique("Outbox welcome"),
        group,
        active: true,
        from: "",
        to: "{{ email }}",
        cc: "",
        bcc: "",
        replyTo: "",
        subject: "Hi {{ name }}",
        html: "<p>Hello {{ name }}</p>",
        text: "",
      }),
      by: null,
    });
    expect(saved.status).toBe("ok");
    const table = nextTable();
    await app.createTable(table);
    const key = unique("welcome");
    await app.insert(table, [{ group, key, context: '{"email": "ada@example.com", "name": "Ada"}' }]);
    const source = await newSource(table);
    await database.db.execute(sql`update outbox_sources set active = (id = ${source.id})`);
    await database.db.execute(sql`update generators set active = false`);
    const generated = await generateEvents(deps(), {});
    expect(generated.errors).toEqual([]);
    expect(generated.groups[group]).toEqual({ recorded: 1, seen: 0 });
    const queued = rowsOf<{ n: number }>(
      await database.db.execute(
        sql`select count(*)::int as n from mail_outbox o join events e on e.id = o.event_id where e.key = ${key}`,
      ),
    );
    expect(queued[0]!.n).toBe(1);
  });

  it("fails a missing table and a connection that is down alone: generators and other outbox sources go on", async () => {
    const table = nextTable();
    await app.createTable(table);
    const key = unique("fine");
    await app.insert(table, [{ group: "fine", key }]);
    const down = await insertConnection(database.db, {
      values: {
        name: unique("down"),
        kind: app.kind,
        host: "127.0.0.1",
        port: 1,
        database: "nothing",
        username: "nobody",
        ssl: false,
      },
      passwordSealed: null,
      origin: "ui",
      by: null,
    });
    const missing = await newSource("no_such_table");
    const unreachable = await newSource(table, { connection: down!.id });
    const fine = await newSource(table);
    await database.db.execute(
      sql`update outbox_sources set active = (id in (${missing.id}, ${unreachable.id}, ${fine.id}))`,
    );
    await database.db.execute(sql`update generators set active = false`);
    const sqlSource = await insertSqlSource(database.db, {
      name: unique("numbers"),
      description: "",
      connectionId: SAMPLE_CONNECTION_ID,
      query: "select g as id from generate_series(1, 3) g",
      variables: { id: { type: "number" } },
    });
    const generator = await insertGenerator(database.db, {
      name: unique("numbers"),
      group: unique("numbers"),
      source: `sql:${sqlSource!.id}`,
      conditions: [],
    });
    const summary = await runJob(deps(), { trigger: "manual" });
    expect(summary.status).toBe("error");
    const byName = new Map(summary.generators.map((g) => [g.name, g]));
    expect(byName.get(generator!.name)).toMatchObject({ recorded: 3 });
    expect(byName.get(fine.name)).toMatchObject({ candidates: 1, recorded: 1 });
    expect(summary.errors).toHaveLength(2);
    expect(summary.errors).toEqual(
      expect.arrayContaining([
        { where: `outbox source ${missing.name}`, message: expect.stringMatching(/^Cannot read no_such_table: /) },
        {
          where: `outbox source ${unreachable.name}`,
          message: expect.stringMatching(/Nothing answers at 127\.0\.0\.1:1\/nothing/),
        },
      ]),
    );
    expect((await findOutboxSourceById(database.db, { id: missing.id }))!.lastError).toMatch(/no_such_table/);
    expect((await findOutboxSourceById(database.db, { id: fine.id }))!.lastError).toBeNull();
    // Rows read count like candidates: 3 from the SQL source and 1 from the outbox table.
    expect(runFigures({ progress: null, summary })).toMatchObject({ candidates: 4, recorded: 4 });
    await database.db.execute(sql`update generators set active = false`);
    await database.db.execute(sql`update outbox_sources set active = false`);
  });

  it("reads a table named with a reserved word or its schema, quoted for the dialect", async () => {
    const quoted = app.kind === "postgres" ? '"order"' : "`order`";
    await app.exec(app.kind === "postgres" ? pgDdl(quoted) : mysqlDdl(quoted));
    if (app.kind === "postgres") await app.exec(`grant select on "order" to ${app.target.username}`);
    const key = unique("reserved");
    await app.insert(quoted, [{ group: "reserved", key }]);
    const reserved = await newSource("order");
    expect((await pass(reserved)).counts).toMatchObject({ recorded: 1 });
    const qualified = await newSource(`${app.kind === "postgres" ? "public" : app.database}.order`);
    expect((await pass(qualified)).counts).toMatchObject({ candidates: 1, recorded: 0, seen: 1 });
  });

  it("reads a table whose group and key columns are named group and key, quoted for the dialect", async () => {
    const name = unique("plain").replace("-", "_");
    const q = (column: string) => (app.kind === "postgres" ? `"${column}"` : `\`${column}\``);
    await app.exec(
      app.kind === "postgres"
        ? `create table ${name} (id bigint generated always as identity primary key, ${q("group")} text not null, ${q("key")} text not null, context jsonb not null default '{}', created_at timestamptz not null default now())`
        : `create table ${name} (id bigint unsigned not null auto_increment primary key, ${q("group")} varchar(100) not null, ${q("key")} varchar(200) not null, context json not null, created_at timestamp(6) not null default current_timestamp(6))`,
    );
    if (app.kind === "postgres") await app.exec(`grant select on ${name} to ${app.target.username}`);
    const key = unique("plain");
    await app.exec(
      `insert into ${name} (${q("group")}, ${q("key")}, context) values ('plain.made', '${key}', '{"n": 1}')`,
    );
    const checked = await checkOutboxTable({ connections }, { connectionId, tableName: name });
    expect(checked).toMatchObject({ ok: true, next: [{ group: "plain.made", key, problem: null }] });
    const source = await newSource(name);
    expect((await pass(source)).counts).toMatchObject({ recorded: 1 });
    expect(await eventsOf(source)).toMatchObject([{ group: "plain.made", key, context: { n: 1 } }]);
  });

  it("runs its reads in the connection's read-only transaction and under its timeout", async () => {
    const table = nextTable();
    await app.createTable(table);
    await app.insert(table, [{ group: "slow", key: unique("slow") }]);
    const slow = `${table}_slow`;
    await app.exec(
      app.kind === "postgres"
        ? `create view ${slow} as select * from ${table} where pg_sleep(${(TIMEOUT_MS * 2) / 1000}) is not null`
        : `create view ${slow} as select * from ${table} where sleep(${(TIMEOUT_MS * 2) / 1000}) = 0`,
    );
    if (app.kind === "postgres") await app.exec(`grant select on ${slow} to ${app.target.username}`);
    const timed = await pass(await newSource(slow));
    expect(timed.errors[0]?.message).toMatch(/ran longer than 2 s and was stopped/);
    if (app.kind === "postgres") {
      // A view that writes as it is read: the reader may insert into `written`, yet the read is read-only.
      await app.exec(`create table ${table}_written (n int)`);
      await app.exec(`grant insert on ${table}_written to ${app.target.username}`);
      await app.exec(
        `create function ${table}_note() returns boolean language sql volatile as $$ insert into ${table}_written values (1); select true $$`,
      );
      await app.exec(`create view ${table}_writing as select * from ${table} where ${table}_note()`);
      await app.exec(`grant select on ${table}_writing to ${app.target.username}`);
      const writing = await pass(await newSource(`${table}_writing`));
      expect(writing.errors[0]?.message).toMatch(/A source only reads, and this query tried to write/);
    }
  });

  it("checks a table: a missing one with the likely name, missing columns, and the next rows with their problems", async () => {
    const table = nextTable();
    await app.createTable(table);
    const ids = await app.insert(table, [
      { group: "ok", key: unique("k") },
      { group: "bad group", key: unique("k") },
    ]);
    const check = (tableName: string, after = 0) =>
      checkOutboxTable({ connections }, { connectionId, tableName, after });
    const found = await check(table);
    expect(found).toMatchObject({
      ok: true,
      total: 2,
      next: [
        { id: ids[0], group: "ok", problem: null, context: "{}" },
        { id: ids[1], group: "bad group", problem: expect.stringMatching(/^group must be/) },
      ],
    });
    expect(await check(table, ids[0])).toMatchObject({ ok: true, next: [{ id: ids[1] }] });
    if (app.kind === "postgres")
      expect(await check(table.toUpperCase())).toMatchObject({
        ok: false,
        field: "tableName",
        message: expect.stringContaining(`did you mean public.${table}?`),
      });
    else expect(await check(`${table}_nope`)).toMatchObject({ ok: false, message: /There is no table/ });
    await app.exec(`create table ${table}_partial (id bigint primary key, event_group text)`);
    if (app.kind === "postgres") await app.exec(`grant select on ${table}_partial to ${app.target.username}`);
    expect(await check(`${table}_partial`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/lacks the columns event_key, context, created_at/),
    });
    const saved = await saveOutboxSource(deps(), {
      input: { name: unique("checked"), description: "", connectionId, tableName: `${table}_partial` },
    });
    expect(saved).toMatchObject({ status: "invalid", fieldErrors: { tableName: [expect.stringMatching(/lacks/)] } });
    const created = await saveOutboxSource(deps(), {
      input: { name: unique("checked"), description: "", connectionId, tableName: table },
    });
    expect(created).toMatchObject({ status: "ok", source: { active: false, checkpoint: 0 } });
  });
});
