import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertGenerator, updateGeneratorById } from "@/db/queries/generators";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { events, generators, jobRuns, type Condition } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import type { Handler } from "../events/handlers";
import { hostname } from "node:os";
import { findJobLease } from "@/db/queries/job-runs";
import { findRunningPass, generateEvents, runJob, STOPPED_MESSAGE } from "./job";
import type { Connections } from "../connections";
import { testDeps } from "@/testing/deps";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { testConnections } from "../../testing/connections";
import type { CodeSource } from "../sources/types";

type Row = { id: number; score?: number; name?: string; active?: boolean };

/** A code source over an in-memory list that counts how often it is read. */
function listSource(name: string, rows: () => Row[]) {
  const source = {
    reads: 0,
    name,
    label: name,
    description: "test rows",
    variables: { score: { type: "number" }, name: { type: "string" }, active: { type: "boolean" } },
    async *candidates(ctx) {
      source.reads++;
      const all = rows();
      for (let i = 0; i < all.length; i += ctx.batchSize) yield all.slice(i, i + ctx.batchSize);
    },
    context: (row: Row) => {
      const { id: _id, ...rest } = row;
      return rest;
    },
  } satisfies CodeSource<Row> & { reads: number };
  return source;
}

describe(`runJob on ${testDriver}`, () => {
  let database: Database;
  let now = new Date("2030-01-01T00:00:00Z");
  let rows: Row[] = [];
  const people = listSource("people", () => rows);
  const other = listSource("other", () => [{ id: 1, score: 1 }]);

  type RunOptions = { handlers?: Handler[]; sources?: CodeSource[]; batchSize?: number; connections?: Connections };
  const depsFor = ({
    handlers = [],
    sources = [people, other] as CodeSource[],
    batchSize = 3,
    connections,
  }: RunOptions) =>
    testDeps(database, { clock: () => now, handlers, sources, connections, settings: { batchSize, leaseMs: 60_000 } });
  const run = (options: RunOptions = {}) => runJob(depsFor(options), { trigger: "manual" });

  const addGenerator = async (name: string, group: string, conditions: Condition[] = [], source = "code:people") =>
    (await insertGenerator(database.db, { name, group, source, conditions }))!;

  const eventKeys = async () =>
    (await database.db.select({ key: events.key }).from(events).orderBy(events.key)).map((e) => e.key);

  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.delete(events);
    await database.db.delete(generators);
    rows = [
      { id: 1, score: 10, name: "Ada", active: true },
      { id: 2, score: 3, name: "Grace", active: false },
      { id: 3, score: 7, name: "Linus", active: true },
      { id: 4, name: "No score" },
    ];
    people.reads = 0;
    now = new Date(now.getTime() + 86_400_000);
  });

  it("records two batches at once when only the mail handler runs, and one at a time when a registered handler does", async () => {
    rows = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, score: i }));
    await addGenerator("all", "all_people");
    const concurrency = (handlers: Handler[]) => {
      let active = 0;
      let most = 0;
      // The same database, with its transactions counted as they start and end.
      const db = Object.create(database.db) as typeof database.db;
      db.transaction = (async (fn: Parameters<typeof database.db.transaction>[0]) => {
        most = Math.max(most, ++active);
        // Held a turn, so a second batch would start meanwhile if it may.
        await new Promise((resolve) => setImmediate(resolve));
        try {
          return await database.db.transaction(fn);
        } finally {
          active--;
        }
      }) as typeof database.db.transaction;
      const deps = testDeps(
        { ...database, db },
        { clock: () => now, handlers, sources: [people, other], settings: { batchSize: 3, leaseMs: 60_000 } },
      );
      return { deps, most: () => most };
    };
    const free = concurrency([]);
    expect((await generateEvents(free.deps)).counts[0]!.recorded).toBe(12);
    expect(free.most()).toBe(2);

    await database.db.delete(events);
    const handled: string[] = [];
    const ordered = concurrency([{ name: "note", group: "^all_people$", handle: (e) => void handled.push(e.key) }]);
    expect((await generateEvents(ordered.deps)).counts[0]!.recorded).toBe(12);
    expect(ordered.most()).toBe(1);
    expect(handled).toEqual(rows.map((r) => `all_people:${r.id}`));
  });

  it("records a batch again when PostgreSQL picked its transaction as a deadlock's victim, and reports nothing", async () => {
    rows = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, score: i }));
    await addGenerator("victim", "victim");
    let victims = 1;
    const db = Object.create(database.db) as typeof database.db;
    db.transaction = (async (fn: Parameters<typeof database.db.transaction>[0]) => {
      if (victims-- > 0) throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
      return database.db.transaction(fn);
    }) as typeof database.db.transaction;
    const deps = testDeps({ ...database, db }, { clock: () => now, sources: [people], settings: { batchSize: 3 } });
    const generated = await generateEvents(deps);
    expect(generated.errors).toEqual([]);
    expect(generated.counts[0]).toMatchObject({ recorded: 6, failed: 0 });
  });

  it("records every key once, and counts the rest as seen, when a source returns the same ids in two batches recorded at once", async () => {
    const ids = Array.from({ length: 400 }, (_, i) => i + 1);
    rows = [...ids, ...[...ids].reverse()].map((id) => ({ id, score: id }));
    await addGenerator("crossing", "crossing");
    const generated = await generateEvents(depsFor({ batchSize: 400 }));
    expect(generated.errors).toEqual([]);
    expect(generated.counts[0]).toMatchObject({ candidates: 800, recorded: 400, seen: 400, failed: 0 });
    const [row] = await database.db
      .select({ n: count() })
      .from(events)
      .where(sql`${events.group} = 'crossing'`);
    expect(row?.n).toBe(400);
  });

  it("handles a key once across runs", async () => {
    await addGenerator("all", "welcome");
    const first = await run();
    const second = await run();
    expect(first.events).toEqual({ recorded: 4, seen: 0 });
    expect(second.events).toEqual({ recorded: 0, seen: 4 });
    expect(await eventKeys()).toEqual(["welcome:1", "welcome:2", "welcome:3", "welcome:4"]);
  });

  it("AND-s the conditions", async () => {
    await addGenerator("high and active", "g", [
      { variable: "score", operator: ">=", value: "5" },
      { variable: "active", operator: "=", value: "true" },
    ]);
    await run();
    expect(await eventKeys()).toEqual(["g:1", "g:3"]);
  });

  it("skips a candidate that lacks a variable", async () => {
    await addGenerator("low", "low", [{ variable: "score", operator: "<", value: "100" }]);
    const summary = await run();
    expect(await eventKeys()).toEqual(["low:1", "low:2", "low:3"]);
    expect(summary.generators[0]).toMatchObject({ candidates: 4, passed: 3, recorded: 3 });
  });

  it("reads each source once per run however many generators use it", async () => {
    await addGenerator("one", "one");
    await addGenerator("two", "two", [{ variable: "score", operator: ">", value: "5" }]);
    await addGenerator("three", "three", [{ variable: "name", operator: "contains", value: "a" }]);
    await run();
    expect(people.reads).toBe(1);
  });

  it("fires again when a generator's group is renamed", async () => {
    const g = await addGenerator("rename me", "before");
    await run();
    await updateGeneratorById(database.db, {
      id: g.id,
      changes: { name: g.name, group: "after", source: g.source, conditions: [], active: true },
      at: now,
    });
    const summary = await run();
    expect(summary.events.recorded).toBe(4);
    expect(await eventKeys()).toContain("after:1");
  });

  it("lets two generators with one group share keys", async () => {
    await addGenerator("first", "shared", [{ variable: "score", operator: ">", value: "5" }]);
    await addGenerator("second", "shared");
    const summary = await run();
    expect(summary.events).toEqual({ recorded: 4, seen: 2 });
    expect(await eventKeys()).toEqual(["shared:1", "shared:2", "shared:3", "shared:4"]);
  });

  it("runs every matching handler, in registration order, matching the group unanchored", async () => {
    await addGenerator("all", "challenge_created");
    const calls: string[] = [];
    const handler = (name: string, group: RegExp | string): Handler => ({
      name,
      group,
      handle: (e) => void calls.push(`${name}:${e.key}`),
    });
    await run({
      handlers: [
        handler("a", /created/),
        handler("never", "^created"),
        handler("b", "challenge"),
        handler("c", /_cre/g),
      ],
      batchSize: 10,
    });
    expect(calls.filter((c) => c.endsWith(":challenge_created:1"))).toEqual([
      "a:challenge_created:1",
      "b:challenge_created:1",
      "c:challenge_created:1",
    ]);
    expect(calls.filter((c) => c.startsWith("c:"))).toHaveLength(4);
  });

  it("rolls back an event whose handler throws, records why, goes on, and retries it next run", async () => {
    await addGenerator("all", "audit");
    await database.db.execute(sql`create table if not exists handler_effects (key text primary key)`);
    await database.db.execute(sql`delete from handler_effects`);
    let broken = true;
    const handlers: Handler[] = [
      {
        name: "effect",
        group: "audit",
        handle: async (event, { tx }) => {
          await tx.execute(sql`insert into handler_effects (key) values (${event.key})`);
          if (broken && event.key === "audit:2") throw new Error("mail server said no");
        },
      },
    ];
    const first = await run({ handlers });
    expect(first.status).toBe("error");
    expect(first.errors).toEqual([{ where: "handler effect", key: "audit:2", message: "mail server said no" }]);
    expect(first.generators[0]).toMatchObject({ recorded: 3, failed: 1 });
    expect(await eventKeys()).toEqual(["audit:1", "audit:3", "audit:4"]);
    const effects = await database.db.execute(sql`select key from handler_effects order by key`);
    expect(JSON.stringify(effects)).not.toContain("audit:2");

    broken = false;
    const second = await run({ handlers });
    expect(second.status).toBe("ok");
    expect(second.events).toEqual({ recorded: 1, seen: 3 });
    expect(await eventKeys()).toContain("audit:2");
  });

  it("fails a broken generator alone and records why", async () => {
    await addGenerator("good", "good");
    await addGenerator("missing source", "bad", [], "code:nope");
    await addGenerator("bad condition", "bad2", [{ variable: "ghost", operator: "=", value: "1" }]);
    const summary = await run();
    expect(summary.status).toBe("error");
    expect(summary.events.recorded).toBe(4);
    expect(summary.errors.map((e) => e.where).sort()).toEqual(["generator bad condition", "generator missing source"]);
    expect(summary.errors.find((e) => e.where === "generator missing source")?.message).toBe(
      "Source code:nope: No code source is named 'nope'; it is no longer registered (the demo's sources need SPARK_DEMO on; yours are listed in extensions/).",
    );
    expect(summary.errors.find((e) => e.where === "generator bad condition")?.message).toBe(
      "Condition 1: The source has no variable 'ghost'.",
    );
  });

  it("ignores inactive generators", async () => {
    const g = await addGenerator("off", "off");
    await database.db.update(generators).set({ active: false }).where(eq(generators.id, g.id));
    const summary = await run();
    expect(summary.generators).toEqual([]);
    expect(await eventKeys()).toEqual([]);
  });

  it("records each key once across four parallel passes", async () => {
    rows = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, score: i }));
    await addGenerator("many", "many");
    await addGenerator("many too", "many", [{ variable: "score", operator: ">", value: "50" }]);
    // Without the job's lease: the key, not the lease, keeps them apart.
    const passes = await Promise.all([1, 2, 3, 4].map(() => generateEvents(depsFor({ batchSize: 25 }))));
    expect(passes.flatMap((p) => p.counts).reduce((n, c) => n + c.recorded, 0)).toBe(200);
    const [{ n }] = (await database.db.select({ n: count() }).from(events)) as [{ n: number }];
    expect(n).toBe(200);
  });

  it("skips a pass while another holds the lease, saying so", async () => {
    await addGenerator("all", "lease", [], "code:gated");
    let release!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reading = new Promise<void>((resolve) => (started = resolve));
    // Waits outside any transaction, so even the single-connection PGlite can serve the second pass.
    const gated: CodeSource = {
      ...people,
      name: "gated",
      async *candidates() {
        started();
        await gate;
        yield [{ id: 1 }];
      },
    };
    const first = run({ sources: [gated] });
    await reading;
    const second = await run({ sources: [gated] });
    release();
    expect(second.status).toBe("skipped");
    expect(second.message).toMatch(/^skipped: another run \(#\d+\) is in progress$/);
    expect((await first).status).toBe("ok");
    const [row] = await database.db.select().from(jobRuns).where(eq(jobRuns.id, second.runId!));
    expect(row?.status).toBe("skipped");
  });

  it("takes over the lease of a run that died, and closes that run", async () => {
    await addGenerator("all", "takeover");
    const crashed = await run({
      handlers: [{ name: "crash", group: "takeover", handle: () => Promise.reject(new Error("x")) }],
    });
    // Simulate a holder that died mid-run: its lease is still set, its run still "running".
    await database.db.execute(
      sql`update job_lease set run_id = ${crashed.runId}, holder = 'gone:1:1', expires_at = ${new Date(now.getTime() + 60_000).toISOString()}::timestamptz`,
    );
    await database.db.update(jobRuns).set({ status: "running" }).where(eq(jobRuns.id, crashed.runId!));
    expect((await run()).status).toBe("skipped");
    now = new Date(now.getTime() + 61_000);
    expect((await run()).status).toBe("ok");
    const [row] = await database.db.select().from(jobRuns).where(eq(jobRuns.id, crashed.runId!));
    expect(row?.status).toBe("error");
  });

  it("reads a SQL source in pages and types its columns", async () => {
    const source = await insertSqlSource(database.db, {
      name: "numbers",
      description: "",
      connectionId: SAMPLE_CONNECTION_ID,
      query: "select g as id, g * 2 as doubled, 'n' || g as label from generate_series(1, 7) g",
      variables: { id: { type: "number" }, doubled: { type: "number" }, label: { type: "string" } },
    });
    await addGenerator("sql", "sql", [{ variable: "doubled", operator: ">", value: "6" }], `sql:${source!.id}`);
    const connections = testConnections(database);
    const summary = await run({ batchSize: 2, connections }).finally(() => connections.close());
    expect(summary.generators[0]).toMatchObject({ candidates: 7, passed: 4, recorded: 4 });
    const [event] = await database.db.select().from(events).where(eq(events.key, "sql:4"));
    expect(event?.context).toEqual({ id: 4, doubled: 8, label: "n4" });
  });

  it("stops a running pass when its signal aborts: the batch in hand is recorded, the run closed, the lease released", async () => {
    await addGenerator("all", "stop", [], "code:slow");
    const stop = new AbortController();
    let second!: () => void;
    const atSecond = new Promise<void>((resolve) => (second = resolve));
    let never!: () => void;
    // Two batches; the server is told to stop while the pass waits for the second.
    const slow: CodeSource = {
      ...people,
      name: "slow",
      async *candidates() {
        yield [{ id: 1 }, { id: 2 }];
        second();
        await new Promise<void>((resolve) => (never = resolve));
        yield [{ id: 3 }];
      },
    };
    const pass = runJob(depsFor({ sources: [slow] }), { trigger: "schedule", signal: stop.signal });
    await atSecond;
    expect(await findRunningPass(depsFor({}))).toEqual(expect.any(Number));
    stop.abort();
    never();
    const summary = await pass;
    expect(summary.status).toBe("error");
    expect(summary.errors).toContainEqual({ where: "job", message: STOPPED_MESSAGE });
    expect(await eventKeys()).toEqual(["stop:1", "stop:2"]);
    expect(await findJobLease(database.db)).toMatchObject({ holder: null, runId: null, expiresAt: null });
    expect(await findRunningPass(depsFor({}))).toBeNull();
    const [row] = await database.db.select().from(jobRuns).where(eq(jobRuns.id, summary.runId!));
    expect(row).toMatchObject({ status: "error", instance: `${hostname()}:${process.pid}` });
  });

  it("records which instance ran each pass, skipped ones included", async () => {
    const summary = await run();
    const [row] = await database.db.select().from(jobRuns).where(eq(jobRuns.id, summary.runId!));
    expect(row?.instance).toBe(`${hostname()}:${process.pid}`);
  });
});
