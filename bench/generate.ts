import { spawnSync } from "node:child_process";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { insertGenerator } from "@/db/queries/generators";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { insertConnection, SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { createAppPostgres, sampleImageFor, testConnections } from "@/testing/connections";
import { seal } from "@/spark/connections/secret-box";
import { rowsOf } from "@/db/rows";
import { openScratchDatabase } from "@/testing/scratch-database";
import { mailTemplates } from "@/db/schema";
import { createCaptureMailer } from "@/emails/transports/capture";
import { createDeps } from "@/runtime/compose";
import { defaultSettings } from "@/spark/deps";
import { generateEvents } from "@/spark/job/job";
import { silentLogger } from "@/spark/logger";
import type { BenchOptions, BenchResult } from "./run";

const QUERY = "select id, title, score, created_at from bench_items";
const ITEMS = (n: number) => `
  create table bench_items (id int primary key, title text not null, score int not null, created_at timestamptz not null);
  insert into bench_items select g, 'Challenge ' || g, g % 100, timestamptz '2026-01-01' + g * interval '1 minute' from generate_series(1, ${Math.floor(n)}) g;
  analyze bench_items;`;
const SECRET = "bench secret key, long enough for the box";

/**
 * The same rows twice: in Spark's database for the raw INSERT … SELECT baseline, and in the place a
 * source really reads them from — an application database through a read-only role (PostgreSQL), or
 * the sample database (PGlite) — so Spark pays what a real pass pays, connection included.
 */
async function seed(database: Database, n: number, adminUrl: string | null) {
  // One statement at a time: PGlite runs a query's text as a single prepared statement.
  for (const statement of ITEMS(n)
    .split(";")
    .map((t) => t.trim())
    .filter(Boolean))
    await database.db.execute(sql.raw(statement));
  await database.db.execute(sql`create table bench_events (like events including all)`);
  if (database.driver === "postgres") {
    const app = await createAppPostgres(adminUrl!, ITEMS(n));
    const row = await insertConnection(database.db, {
      values: {
        name: "bench-app",
        kind: "postgres",
        host: app.target.host,
        port: app.target.port,
        database: app.target.database,
        username: app.target.username,
        ssl: false,
      },
      passwordSealed: seal(app.target.password, SECRET),
      origin: "ui",
      by: null,
    });
    return {
      connectionId: row!.id,
      connections: testConnections(database, { secretKey: SECRET, timeoutMs: 600_000 }),
      drop: app.drop,
      query: QUERY,
    };
  }
  // The sample database's reader sees its application schemas, not public.
  const image = sampleImageFor({
    key: `bench-${n}`,
    setup: async (exec) =>
      void (await exec(`create schema app; set search_path = app; ${ITEMS(n)} reset search_path;`)),
  });
  return {
    connectionId: SAMPLE_CONNECTION_ID,
    connections: testConnections(database, { image, timeoutMs: 600_000 }),
    drop: async () => {},
    query: QUERY.replace("bench_items", "app.bench_items"),
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

/** The raw floor: one INSERT … SELECT … ON CONFLICT DO NOTHING over the same rows, all inside Postgres. */
async function rawInsert(database: Database) {
  await database.db.execute(sql`truncate bench_events`);
  return timed(async () => {
    const result = await database.db.execute(sql`
      insert into bench_events (event_group, key, context, source)
      select 'bench', 'bench:' || t.id, to_jsonb(t), 'sql'
      from (${sql.raw(QUERY)}) t
      on conflict (key) do nothing`);
    return result;
  });
}

async function measure(driver: "pglite" | "postgres", n: number, databaseUrl: string | null): Promise<BenchResult> {
  const database = await openScratchDatabase(driver === "pglite" ? { driver } : { driver, adminUrl: databaseUrl! });
  let cleanup = async () => {};
  try {
    const place = await seed(database, n, databaseUrl);
    cleanup = async () => {
      await place.connections.close();
      await place.drop();
    };
    const source = await insertSqlSource(database.db, {
      name: "bench",
      description: "",
      connectionId: place.connectionId,
      query: place.query,
      variables: {
        id: { type: "number" },
        title: { type: "string" },
        score: { type: "number" },
        created_at: { type: "timestamp" },
      },
    });
    await insertGenerator(database.db, {
      name: "bench",
      group: "bench",
      source: `sql:${source!.id}`,
      conditions: [{ variable: "score", operator: ">=", value: "0" }],
    });
    // Recording only: the job's mail sending is what `npm run bench -- deliver` measures.
    const deps = createDeps({
      db: database.db,
      mailer: createCaptureMailer({ store: async () => {} }),
      log: silentLogger,
      settings: {
        ...defaultSettings,
        mail: { ...defaultSettings.mail, defaultFrom: "Spark <spark@example.com>" },
      },
      connections: place.connections,
    });
    const pass = async () => {
      const generated = await generateEvents(deps);
      return {
        status: generated.errors.length > 0 ? "error" : "ok",
        errors: generated.errors,
        recorded: generated.counts.reduce((n, c) => n + c.recorded, 0),
      };
    };
    // Best of two for each side, alternating, so a cold cache or a noisy neighbour favours neither.
    let baseline = { seconds: Infinity };
    let first = { seconds: Infinity, value: null as Awaited<ReturnType<typeof pass>> | null };
    for (let round = 0; round < 2; round++) {
      const raw = await rawInsert(database);
      if (raw.seconds < baseline.seconds) baseline = raw;
      await database.db.execute(sql`truncate events cascade`);
      const run = await timed(pass);
      if (run.seconds < first.seconds) first = run;
      if (run.value.status !== "ok") throw new Error(`the pass failed: ${JSON.stringify(run.value.errors)}`);
    }
    const second = await timed(pass);
    const [{ n: recorded }] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from events`),
    ) as [{ n: number }];
    if (recorded !== n) throw new Error(`the pass recorded ${recorded} of ${n} events`);

    // What templates cost the recording: one for another group (must cost nothing), then one for this group.
    const withTemplate = async (group: string) => {
      await database.db.execute(sql`truncate events, mail_outbox cascade`);
      await database.db.delete(mailTemplates);
      await database.db.insert(mailTemplates).values({
        name: group,
        groupPattern: group,
        subject: "Item {{ id }}",
        text: "{{ title }}",
        toAddress: "user{{ id }}@example.com",
      });
      const run = await timed(pass);
      if (run.value.status !== "ok")
        throw new Error(`the pass with a template failed: ${JSON.stringify(run.value.errors)}`);
      return Math.round(n / run.seconds);
    };
    const otherTemplatePerSecond = await withTemplate("elsewhere");
    const mailPerSecond = await withTemplate("bench");
    const [{ n: queued }] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from mail_outbox`),
    ) as [{ n: number }];
    if (queued !== n) throw new Error(`the pass queued ${queued} of ${n} mails`);
    // The process's peak over every run above, the pass with mail queued among them.
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const rate = n / first.seconds;
    const baselineRate = n / baseline.seconds;
    return {
      name: `generate.${driver}`,
      value: Math.round(rate),
      unit: "events/s",
      baseline: Math.round(baselineRate),
      ratio: Number((rate / baselineRate).toFixed(3)),
      n,
      secondRunPerSecond: Math.round(n / second.seconds),
      secondRunRecorded: second.value.recorded,
      otherTemplatePerSecond,
      mailPerSecond,
      peakRssMb,
    };
  } finally {
    await cleanup();
    await database.close();
  }
}

/** Each driver in a process of its own, so peak RSS belongs to one driver's run. */
function measureInChild(driver: "pglite" | "postgres", n: number): BenchResult {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, process.argv[1]!, "generate", "--json", "--driver", driver, "--n", String(n)],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const last = child.stdout.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !last.startsWith("{")) throw new Error(`the ${driver} run failed (exit ${child.status})`);
  return JSON.parse(last) as BenchResult;
}

export async function generateBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 100_000;
  const drivers = options.driver === "both" ? (["pglite", "postgres"] as const) : [options.driver];
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    if (driver === "postgres" && !options.databaseUrl) {
      process.stderr.write(
        "generate: skipping postgres; set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server where a scratch database may be created.\n",
      );
      continue;
    }
    process.stderr.write(`generate: ${driver}, ${n.toLocaleString("en")} candidates…\n`);
    results.push(options.driver === "both" ? measureInChild(driver, n) : await measure(driver, n, options.databaseUrl));
  }
  if (options.json && options.driver !== "both") return results;
  const rows = results.map((r) => [
    r.name,
    `${r.value.toLocaleString("en")} ${r.unit}`,
    `${r.baseline.toLocaleString("en")} rows/s`,
    r.ratio.toFixed(2),
    `${(r.secondRunPerSecond as number).toLocaleString("en")} /s`,
    `${(r.otherTemplatePerSecond as number).toLocaleString("en")} /s`,
    `${(r.mailPerSecond as number).toLocaleString("en")} /s`,
    `${r.peakRssMb} MB`,
  ]);
  printTable(
    [
      "benchmark",
      "Spark (first run)",
      "raw INSERT…SELECT",
      "ratio",
      "second run (all seen)",
      "template elsewhere",
      "with mail queued",
      "peak RSS",
    ],
    rows,
  );
  return results;
}

export function printTable(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  process.stdout.write(`${line(head)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n`);
}
