import amqplib from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { startDispatcher } from "@/runtime/dispatcher";
import { startInbounds } from "@/runtime/inbounds";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testConnections } from "@/testing/connections";
import { testDeps } from "@/testing/deps";
import { createInbound } from "../inbound/inbounds";
import { createMetrics } from "../metrics";
import { createSubscription } from "../subscriptions/subscriptions";
import { closeRelays } from "./relays";

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
const SECRET_KEY = "metrics run test key, long enough for SPARK_SECRET_KEY";
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function reachable(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}

type Family = { type: string; help: string; samples: Map<string, number> };

/**
 * A strict reader of the Prometheus text format (0.0.4; values as Go's ParseFloat reads them, so
 * prom-client's "Nan" passes, as it does in Prometheus): every sample belongs to a family announced by
 * `# HELP` and `# TYPE` before it, names and labels are well formed, label values escaped, no sample
 * twice, counters end in _total and are never negative, a histogram's buckets only grow up to +Inf,
 * which equals its _count. Anything else throws, naming the line.
 */
function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  const metricName = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const sample = new RegExp(
    `^(${metricName})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*)\\})? (-?(?:[0-9]+(?:\\.[0-9]+)?(?:e[+-]?[0-9]+)?|[Nn][Aa][Nn]|[+-][Ii][Nn][Ff]))(?: -?[0-9]+)?$`,
  );
  const familyOf = (name: string) => {
    for (const suffix of ["_bucket", "_sum", "_count", ""]) {
      const base = suffix && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
      const family = families.get(base);
      if (family && (suffix === "" || family.type === "histogram" || family.type === "summary")) return family;
    }
    return undefined;
  };
  for (const [n, line] of lines.entries()) {
    const where = `line ${n + 1}: ${line}`;
    if (line.startsWith("# HELP ")) {
      const [, name, help] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      if (!name || !new RegExp(`^${metricName}$`).test(name)) throw new Error(`bad HELP, ${where}`);
      if (families.has(name)) throw new Error(`a second HELP, ${where}`);
      families.set(name, { type: "", help: help!, samples: new Map() });
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name, type] = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      const family = name ? families.get(name) : undefined;
      if (!family || family.type !== "") throw new Error(`TYPE without its HELP, or twice, ${where}`);
      family.type = type!;
      continue;
    }
    // The format ignores empty lines (prom-client writes one between families).
    if (line === "") continue;
    if (line.startsWith("#")) throw new Error(`unexpected comment, ${where}`);
    const match = sample.exec(line);
    if (!match) throw new Error(`not a sample, ${where}`);
    const family = familyOf(match[1]!);
    if (!family || family.type === "") throw new Error(`a sample before its HELP and TYPE, ${where}`);
    const key = `${match[1]}{${match[2] ?? ""}}`;
    if (family.samples.has(key)) throw new Error(`a sample twice, ${where}`);
    const value = Number(match[3]);
    if (family.type === "counter" && (!match[1]!.endsWith("_total") || value < 0))
      throw new Error(`a counter must end in _total and never be negative, ${where}`);
    family.samples.set(key, value);
  }
  for (const [name, family] of families) {
    if (family.type !== "histogram") continue;
    const series = new Map<string, number[]>();
    for (const [key, value] of family.samples)
      if (key.startsWith(`${name}_bucket{`)) {
        const labels = key
          .replace(/le="[^"]*"/, "")
          .replace(/\{,/, "{")
          .replace(/,\}$/, "}")
          .replace(",,", ",");
        series.set(labels, [...(series.get(labels) ?? []), value]);
      }
    for (const [labels, buckets] of series) {
      if (buckets.some((v, i) => i > 0 && v < buckets[i - 1]!)) throw new Error(`${labels}: buckets shrink`);
      const count = family.samples.get(labels.replace(`${name}_bucket{`, `${name}_count{`));
      if (count !== buckets.at(-1)) throw new Error(`${labels}: the +Inf bucket is not the count`);
    }
  }
  return families;
}

const value = (families: Map<string, Family>, family: string, labels: string) =>
  families.get(family)?.samples.get(`${family}{${labels}}`) ?? 0;

describe.skipIf(!(await reachable()))(`metrics scraped while brokers run, on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await closeRelays();
    await database?.close();
  });

  it("parses strictly at every scrape, and its counters go up as messages come in and events go out", async () => {
    const metrics = createMetrics({ processMetrics: true });
    const deps = testDeps(database, { metrics, connections: testConnections(database, { secretKey: SECRET_KEY }) });
    const connection = await amqplib.connect(RABBIT);
    const channel = await connection.createConfirmChannel();
    const inQueue = `spark.metrics.${run}.in`;
    const outQueue = `spark.metrics.${run}.out`;
    await channel.assertQueue(inQueue, { durable: false });
    await channel.assertQueue(outQueue, { durable: false });
    await channel.bindQueue(outQueue, "amq.topic", `metered.${run}.#`);
    const group = `metered.${run}.order`;
    const relay = await createSubscription(deps, {
      input: {
        name: `metered ${run}`,
        kind: "rabbitmq",
        groups: `metered.${run}.*`,
        target: RABBIT,
        config: { exchange: "amq.topic" },
        from: "now",
      },
      by: null,
    });
    if (relay.status !== "ok") throw new Error(JSON.stringify(relay.fieldErrors));
    const inbound = await createInbound(deps, {
      input: { name: `metered-in-${run}`, kind: "rabbitmq", url: RABBIT, config: { queue: inQueue } },
      by: null,
    });
    if (inbound.status !== "ok") throw new Error(inbound.message);

    const scrapes = [parsePrometheus(await metrics.scrape())];
    const dispatcher = startDispatcher({ deps, idleMs: 100 });
    const consumers = startInbounds({ deps, everyMs: 100 });
    try {
      for (const wave of [0, 1, 2]) {
        for (let i = 0; i < 100; i++)
          channel.sendToQueue(inQueue, Buffer.from(JSON.stringify({ group, key: `m:${run}:${wave}:${i}` })));
        channel.sendToQueue(inQueue, Buffer.from(`not an event ${wave}`));
        await channel.waitForConfirms();
        const wanted = (wave + 1) * 100;
        for (let tries = 0; ; tries++) {
          const now = parsePrometheus(await metrics.scrape());
          if (
            value(now, "spark_destination_attempts_total", 'kind="rabbitmq",outcome="delivered"') >= wanted &&
            value(now, "spark_inbound_messages_total", 'outcome="rejected"') >= wave + 1
          ) {
            scrapes.push(now);
            break;
          }
          if (tries > 600) throw new Error(`wave ${wave} did not finish: ${await metrics.scrape()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      await consumers.stop();
      await dispatcher.stop();
      await channel.deleteQueue(inQueue).catch(() => {});
      await channel.deleteQueue(outQueue).catch(() => {});
      await connection.close().catch(() => {});
    }

    const series = (family: string, labels: string) => scrapes.map((s) => value(s, family, labels));
    expect(series("spark_inbound_messages_total", 'outcome="recorded"')).toEqual([0, 100, 200, 300]);
    expect(series("spark_inbound_messages_total", 'outcome="rejected"')).toEqual([0, 1, 2, 3]);
    expect(series("spark_events_recorded_total", `group="${group}",origin="inbound"`)).toEqual([0, 100, 200, 300]);
    expect(series("spark_destination_attempts_total", 'kind="rabbitmq",outcome="delivered"')).toEqual([
      0, 100, 200, 300,
    ]);
    // Lag is read from the saved checkpoint, which trails the deliveries by up to a quarter second.
    const lagLabels = `destination="metered ${run}",kind="rabbitmq"`;
    let lag = value(scrapes.at(-1)!, "spark_subscription_lag_events", lagLabels);
    for (let tries = 0; lag !== 0 && tries < 200; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      lag = value(parsePrometheus(await metrics.scrape()), "spark_subscription_lag_events", lagLabels);
    }
    expect(lag).toBe(0);
    expect([...scrapes.at(-1)!.keys()].some((name) => name === "spark_process_cpu_user_seconds_total")).toBe(true);
    expect([...scrapes.at(-1)!.keys()].some((name) => name.startsWith("spark_nodejs_"))).toBe(true);
    expect([...scrapes.at(-1)!.keys()].some((name) => name.startsWith("spark_process_process_"))).toBe(false);
  });
});
