import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createSparkClient, type SparkEventInput } from "@/client/spark-client";
import { openDatabase, type Database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

/** Others build and test in this tree: holding the e2e lock keeps `.next` from being rebuilt under the server. */
const BUILD_LOCK = "/tmp/spark-e2e.lock";
const BATCH = 1000;
const CONCURRENCY = 4;
const SINGLES = 1000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment of a child: the bench's own, less anything that would point it at another database or port. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["DATABASE_URL", "PORT", "SPARK_URL", "SPARK_ADMIN_EMAIL", "SPARK_ADMIN_PASSWORD", "SMTP_URL"])
    delete env[name];
  return { ...env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

type Server = { url: string; child: ChildProcess; log: string; stop: () => Promise<void> };

/**
 * `npm start`'s script on a free port, under the build lock (held by `flock` for the server's life, so
 * nobody rebuilds `.next` beneath it; the first start builds when there is no build yet). Resolves once
 * /api/health answers.
 */
async function startServer(env: Record<string, string>, dir: string): Promise<Server> {
  const port = await freePort();
  const log = join(dir, "server.log");
  const out = openSync(log, "a");
  const child = spawn("flock", [BUILD_LOCK, process.execPath, "node_modules/tsx/dist/cli.mjs", "cli/start.ts"], {
    env: childEnv({ ...env, PORT: String(port), SPARK_SCHEDULE_SECONDS: "0", SPARK_DEMO: "0" }),
    stdio: ["ignore", out, out],
    detached: true,
  });
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  const stop = async () => {
    if (exited !== undefined) return;
    try {
      // Its own process group: flock, tsx and the server all hear SIGTERM, which the server handles.
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return;
    }
    for (let i = 0; i < 300 && exited === undefined; i++) await sleep(100);
    if (exited === undefined) process.kill(-child.pid!, "SIGKILL");
  };
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  // The lock may be held by someone's build or e2e run for a few minutes.
  while (Date.now() - started < 600_000) {
    if (exited !== undefined) throw new Error(`the server exited (${exited}) before it answered; see ${log}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, child, log, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`the server did not answer within 10 minutes; see ${log}`);
}

/** A key made the way an operator makes one from the shell (through the server when it holds PGlite). */
function createKey(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      "npm",
      ["run", "--silent", "api-key", "--", "create", `bench-${Date.now().toString(36)}`, "--scopes", "ingest"],
      { env: childEnv(env), timeout: 120_000 },
      (error, stdout, stderr) => {
        const key = stdout.trim().split("\n").at(-1) ?? "";
        if (error || !key.startsWith("spk_")) reject(new Error(`npm run api-key failed: ${stderr || error?.message}`));
        else resolve(key);
      },
    ),
  );
}

const eventsOf = (prefix: string, n: number): SparkEventInput[] =>
  Array.from({ length: n }, (_, i) => ({
    group: "bench",
    key: `${prefix}:${i}`,
    context: { id: i, title: `Challenge ${i}`, score: i % 100 },
  }));

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

/** Runs `work` over the batches with at most `limit` in flight. */
async function inParallel<T>(batches: T[], limit: number, work: (batch: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < batches.length) await work(batches[next++]!);
    }),
  );
}

const chunksOf = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The floor: the same rows in multi-row INSERT … ON CONFLICT DO NOTHING statements of 1,000, as many at once. */
async function rawInsert(database: Database, events: SparkEventInput[]) {
  await database.db.execute(sql`truncate bench_events`);
  return timed(() =>
    inParallel(chunksOf(events, BATCH), CONCURRENCY, async (batch) => {
      await database.db.execute(sql`
        insert into bench_events (event_group, key, context, source)
        values ${sql.join(
          batch.map((e) => sql`(${e.group}, ${e.key}, ${JSON.stringify(e.context)}::jsonb, 'bench')`),
          sql`, `,
        )}
        on conflict (key) do nothing`);
    }),
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(driver: "pglite" | "postgres", n: number, adminUrl: string | null): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "spark-bench-ingest-"));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const env: Record<string, string> = { SPARK_DATA_DIR: join(dir, "server") };
    let raw: Database;
    if (driver === "postgres") {
      const name = `spark_bench_ingest_${randomBytes(4).toString("hex")}`;
      const admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      cleanups.unshift(async () => {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      });
      const url = new URL(adminUrl!);
      url.pathname = `/${name}`;
      env.DATABASE_URL = url.toString();
      // The baseline writes beside the server's own events, in the same database, over its own pool.
      raw = await openDatabase({ driver: "postgres", url: env.DATABASE_URL, poolSize: CONCURRENCY });
      await migrateDatabase(raw);
    } else {
      // The server holds its embedded database, so the baseline gets one of its own, also on disk.
      raw = await openDatabase({ driver: "pglite", dataDir: join(dir, "raw") });
      await migrateDatabase(raw);
    }
    cleanups.unshift(() => raw.close());
    await raw.db.execute(sql`create table bench_events (like events including all)`);

    process.stderr.write(`ingest: ${driver}: starting the server…\n`);
    const server = await startServer(env, dir);
    cleanups.unshift(server.stop);
    const key = await createKey(env);
    const spark = createSparkClient({ url: server.url, key });
    const run = Date.now().toString(36);

    // Warm both paths, so neither pays for first compiles, plans or connections in the figure.
    await spark.record(eventsOf(`warm:${run}`, BATCH));
    await rawInsert(raw, eventsOf(`warm:${run}`, BATCH));

    process.stderr.write(`ingest: ${driver}: ${n.toLocaleString("en")} events in batches of ${BATCH}…\n`);
    const events = eventsOf(`bench:${run}`, n);
    const baseline1 = await rawInsert(raw, events);
    let recorded = 0;
    const api = await timed(() =>
      inParallel(chunksOf(events, BATCH), CONCURRENCY, async (batch) => {
        const results = await spark.record(batch);
        recorded += results.filter((r) => r.status === "recorded").length;
      }),
    );
    if (recorded !== n) throw new Error(`the API recorded ${recorded} of ${n} events`);
    const baseline2 = await rawInsert(raw, events);
    const baseline = Math.min(baseline1.seconds, baseline2.seconds);

    process.stderr.write(`ingest: ${driver}: ${SINGLES} single-event posts…\n`);
    const latencies: number[] = [];
    for (let i = 0; i < SINGLES; i++) {
      const t0 = performance.now();
      const [result] = await spark.record({ group: "bench.single", key: `single:${run}:${i}`, context: { i } });
      latencies.push(performance.now() - t0);
      if (result?.status !== "recorded") throw new Error(`a single post answered ${JSON.stringify(result)}`);
    }
    latencies.sort((a, b) => a - b);
    // The same number of GET /api/health (one trivial query, no key): what any request costs this server
    // and machine, so the single-post figures can be read against it.
    const floor: number[] = [];
    for (let i = 0; i < SINGLES; i++) {
      const t0 = performance.now();
      const response = await fetch(`${server.url}/api/health`);
      await response.arrayBuffer();
      floor.push(performance.now() - t0);
    }
    floor.sort((a, b) => a - b);
    const rate = n / api.seconds;
    const baselineRate = n / baseline;
    const rss = serverRssMb(server.child.pid!);
    return {
      name: `ingest.${driver}`,
      value: Math.round(rate),
      unit: "events/s",
      baseline: Math.round(baselineRate),
      ratio: Number((rate / baselineRate).toFixed(3)),
      driver,
      n,
      batch: BATCH,
      concurrency: CONCURRENCY,
      p50Ms: Number(percentile(latencies, 50).toFixed(2)),
      p99Ms: Number(percentile(latencies, 99).toFixed(2)),
      maxMs: Number(latencies.at(-1)!.toFixed(2)),
      healthP50Ms: Number(percentile(floor, 50).toFixed(2)),
      healthP99Ms: Number(percentile(floor, 99).toFixed(2)),
      ...(rss === null ? {} : { serverRssMb: rss }),
    };
  } catch (error) {
    const log = join(dir, "server.log");
    if (existsSync(log))
      process.stderr.write(
        `ingest: the server's last lines:\n${readFileSync(log, "utf8").split("\n").slice(-30).join("\n")}\n`,
      );
    throw error;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  }
}

/** The resident memory of the server's process group at the end (Linux only; null elsewhere). */
function serverRssMb(groupId: number): number | null {
  try {
    let kb = 0;
    for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== groupId) continue;
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

export async function ingestBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 100_000;
  const drivers = options.driver === "both" ? (["pglite", "postgres"] as const) : [options.driver];
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    if (driver === "postgres" && !options.databaseUrl) {
      process.stderr.write(
        "ingest: skipping postgres; set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a server where a scratch database may be created.\n",
      );
      continue;
    }
    results.push(await measure(driver, n, options.databaseUrl));
  }
  const rows = results.map((r) => [
    r.name,
    `${r.value.toLocaleString("en")} ${r.unit}`,
    `${r.baseline.toLocaleString("en")} rows/s`,
    r.ratio.toFixed(2),
    `${r.p50Ms} ms`,
    `${r.p99Ms} ms`,
    `${r.healthP50Ms} / ${r.healthP99Ms} ms`,
    r.serverRssMb === undefined ? "" : `${r.serverRssMb} MB`,
  ]);
  printTable(
    [
      "benchmark",
      `POST /api/events (${BATCH}/request, ${CONCURRENCY} at once)`,
      "raw multi-row INSERT",
      "ratio",
      "single post p50",
      "p99",
      "GET /api/health p50 / p99",
      "server RSS",
    ],
    rows,
  );
  return results;
}
