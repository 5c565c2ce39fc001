import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { insertNewEvents } from "@/db/queries/events";
import { createDeps } from "@/runtime/compose";
import { startDispatcher } from "@/runtime/dispatcher";
import { defaultSettings } from "@/spark/deps";
import { silentLogger } from "@/spark/logger";
import { createSubscription } from "@/spark/subscriptions/subscriptions";
import { webhookBody } from "@/spark/webhooks/sign";
import { createCaptureMailer } from "@/emails/transports/capture";
import { testConnections } from "@/testing/connections";
import { openScratchDatabase } from "@/testing/scratch-database";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

const SECRET_KEY = "bench secret key, long enough for SPARK_SECRET_KEY";

/** A receiver that answers 204 at once and notes when each event key arrived. */
async function startReceiver() {
  const arrived = new Map<string, number>();
  let onArrive: (() => void) | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { key: string } };
      if (!arrived.has(body.data.key)) arrived.set(body.data.key, performance.now());
      res.writeHead(204).end();
      onArrive?.();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      if (arrived.size >= count) return resolve();
      onArrive = () => {
        if (arrived.size >= count) {
          onArrive = null;
          resolve();
        }
      };
    });
  return { url, arrived, until, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function measure(driver: "pglite" | "postgres", n: number, databaseUrl: string | null): Promise<BenchResult> {
  const database = await openScratchDatabase(driver === "pglite" ? { driver } : { driver, adminUrl: databaseUrl! });
  const receiver = await startReceiver();
  const connections = testConnections(database, { secretKey: SECRET_KEY });
  const deps = createDeps({
    db: database.db,
    mailer: createCaptureMailer({ store: async () => {} }),
    log: silentLogger,
    settings: { ...defaultSettings, webhookAllowPrivate: true },
    connections,
  });
  try {
    const created = await createSubscription(deps, {
      input: { name: "bench", kind: "webhook", groups: "bench.*", target: receiver.url, from: "now" },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    const events = Array.from({ length: n }, (_, i) => ({
      group: "bench.created",
      key: `bench:${i}`,
      context: { i, title: `Item ${i}` },
      generatorId: null,
      source: null,
    }));

    // The raw floor: the same bodies POSTed one after another (a subscription hands on one at a time),
    // with fetch and nothing recorded anywhere.
    const bodies = events.map((e) => webhookBody({ ...e, createdAt: new Date() }));
    const rawStart = performance.now();
    for (const body of bodies) {
      const response = await fetch(receiver.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body.replace('"bench:', '"raw:'),
      });
      await response.arrayBuffer();
    }
    const rawSeconds = (performance.now() - rawStart) / 1000;

    // Spark: the events committed in batches of 1,000, then handed on by the dispatcher as it runs in the
    // server, woken by the database's notification.
    const dispatcher = startDispatcher({ deps, listen: database.listen, holder: "bench" });
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1000)
      await insertNewEvents(database.db, { events: events.slice(i, i + 1000), jobRunId: null });
    await receiver.until(2 * n);
    const sparkSeconds = (performance.now() - t0) / 1000;

    // Commit to receipt, one event at a time, with the dispatcher idle in between.
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `latency:${i}`;
      const committed = performance.now();
      await insertNewEvents(database.db, {
        events: [{ group: "bench.latency", key, context: {}, generatorId: null, source: null }],
        jobRunId: null,
      });
      await receiver.until(2 * n + i + 1);
      latencies.push(receiver.arrived.get(key)! - committed);
    }
    await dispatcher.stop();
    const rate = n / sparkSeconds;
    const baseline = n / rawSeconds;
    return {
      name: `webhooks.${driver}`,
      value: Math.round(rate),
      unit: "events/s",
      baseline: Math.round(baseline),
      ratio: Number((rate / baseline).toFixed(3)),
      n,
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    };
  } finally {
    await receiver.stop();
    await connections.close();
    await database.close();
  }
}

/**
 * `npm run bench -- webhooks`: events per second from commit to a local receiver through a webhook
 * subscription, beside a raw loop of fetch POSTs of the same bodies at the same concurrency (one at a
 * time, as a subscription hands them on), and commit-to-receipt latency.
 */
export async function webhooksBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 5_000;
  const drivers = options.driver === "both" ? (["pglite", "postgres"] as const) : [options.driver];
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    if (driver === "postgres" && !options.databaseUrl) {
      process.stderr.write("webhooks: skipping postgres; set BENCH_DATABASE_URL (or TEST_DATABASE_URL).\n");
      continue;
    }
    process.stderr.write(`webhooks: ${driver}, ${n.toLocaleString("en")} events to a local receiver…\n`);
    results.push(await measure(driver, n, options.databaseUrl));
  }
  if (!options.json)
    printTable(
      ["benchmark", "Spark (commit to receipt)", "raw fetch loop", "ratio", "latency p50", "latency p99"],
      results.map((r) => [
        r.name,
        `${r.value.toLocaleString("en")} ${r.unit}`,
        `${r.baseline.toLocaleString("en")} posts/s`,
        r.ratio.toFixed(2),
        `${r.p50Ms} ms`,
        `${r.p99Ms} ms`,
      ]),
    );
  return results;
}
