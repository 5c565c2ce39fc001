import { listPublishedEventsByIds, type PublishedEvent } from "@/db/queries/event-streams";
import { insertNewEvents } from "@/db/queries/events";
import { vacuumAnalyze } from "@/db/maintenance";
import { createDeps } from "@/runtime/compose";
import { startDispatcher } from "@/runtime/dispatcher";
import { closeRelays } from "@/spark/brokers/relays";
import { defaultSettings } from "@/spark/deps";
import { silentLogger } from "@/spark/logger";
import { createSubscription } from "@/spark/subscriptions/subscriptions";
import { createCaptureMailer } from "@/emails/transports/capture";
import { testConnections } from "@/testing/connections";
import { openScratchDatabase } from "@/testing/scratch-database";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

const SECRET_KEY = "bench secret key, long enough for SPARK_SECRET_KEY";
/** Messages each side sends, untimed, before its clock starts (keys `warm:` for Spark, `rawwarm:` raw). */
export const WARM_UP = 500;

export type SparkRelaySide = {
  /** The first round's events (keys `bench1:…`), read back so the raw side sends the same messages. */
  events: PublishedEvent[];
  /**
   * Relays round `round`'s events — recorded, untimed, while the dispatcher is stopped (round 1's before
   * `body` runs) — and answers the seconds from starting the dispatcher until `arrived` settles.
   */
  relay(round: number, arrived: () => Promise<void>): Promise<number>;
};

/** Timed rounds per side, alternating raw and Spark; each side's best is kept, as the deliver benchmark does. */
export const ROUNDS = 3;

/**
 * A scratch database holding `n` recorded events (recorded before any clock starts) and a broker
 * subscription reading them from the beginning, for `body` to time the dispatcher against a raw client.
 */
export async function withSparkRelay<T>(
  {
    driver,
    databaseUrl,
    n,
    kind,
    target,
    config,
    until,
  }: {
    driver: "pglite" | "postgres";
    databaseUrl: string | null;
    n: number;
    kind: "rabbitmq" | "nats";
    target: string;
    config: Record<string, unknown>;
    /** Settles once `count` messages whose keys start with `prefix` reached the plain consumer. */
    until: (prefix: string, count: number) => Promise<void>;
  },
  body: (spark: SparkRelaySide) => Promise<T>,
): Promise<T> {
  const database = await openScratchDatabase(driver === "pglite" ? { driver } : { driver, adminUrl: databaseUrl! });
  const connections = testConnections(database, { secretKey: SECRET_KEY });
  const deps = createDeps({
    db: database.db,
    mailer: createCaptureMailer({ store: async () => {} }),
    log: silentLogger,
    settings: defaultSettings,
    connections,
  });
  try {
    const record = async (prefix: string, count: number) => {
      const ids: number[] = [];
      for (let i = 0; i < count; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
          group: "bench.created",
          key: `${prefix}${i + j}`,
          context: { i: i + j, title: `Item ${i + j}` },
          // Half carry an aggregate, so the relay's aggregate headers are part of what is measured.
          aggregate: (i + j) % 2 === 0 ? { type: prefix, id: String(i + j), version: 1 } : undefined,
          generatorId: null,
          source: null,
        }));
        ids.push(...(await insertNewEvents(database.db, { events: batch, jobRunId: null })).map((r) => r.id));
      }
      // As a running system's statistics are kept: autovacuum on PostgreSQL, the server's timer on PGlite.
      await vacuumAnalyze(database.db);
      return ids;
    };
    const created = await createSubscription(deps, {
      input: { name: "bench", kind, groups: "bench.*", target, from: "beginning", config },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    // Untimed: the relay's broker connection is opened and its code paths warmed, as in a relay that has
    // been running; the raw side gets the same warm-up before its clock starts.
    await record("warm:", WARM_UP);
    const warming = startDispatcher({ deps, listen: database.listen, holder: "bench" });
    try {
      await until("warm:", WARM_UP);
    } finally {
      await warming.stop();
    }
    const ids = await record("bench1:", n);
    const events: PublishedEvent[] = [];
    for (let i = 0; i < ids.length; i += 1000)
      events.push(...(await listPublishedEventsByIds(database.db, { ids: ids.slice(i, i + 1000) })));
    return await body({
      events,
      async relay(round, arrived) {
        if (round > 1) await record(`bench${round}:`, n);
        // The events are committed already, so the dispatcher's first round finds them without a notification.
        const t0 = performance.now();
        const dispatcher = startDispatcher({ deps, listen: database.listen, holder: "bench" });
        try {
          await arrived();
          return (performance.now() - t0) / 1000;
        } finally {
          await dispatcher.stop();
        }
      },
    });
  } finally {
    await closeRelays();
    await connections.close();
    await database.close();
  }
}

/** Runs `task` over `items` with at most `window` in flight: a raw client pipelining its publishes. */
export async function pipelined<T>(items: T[], window: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Counts the distinct keys arriving at a plain consumer, per prefix, and waits for a number of them. */
export function arrivals() {
  const seen = new Map<string, Set<string>>();
  let total = 0;
  const waiters: { prefix: string; count: number; resolve: () => void }[] = [];
  const size = (prefix: string) => seen.get(prefix)?.size ?? 0;
  return {
    get total() {
      return total;
    },
    /** Distinct keys over every prefix: `total` less this is how many arrived twice. */
    get distinct() {
      let sum = 0;
      for (const keys of seen.values()) sum += keys.size;
      return sum;
    },
    size,
    note(key: string) {
      total++;
      const prefix = key.slice(0, key.indexOf(":") + 1);
      let keys = seen.get(prefix);
      if (!keys) seen.set(prefix, (keys = new Set()));
      keys.add(key);
      for (let i = waiters.length - 1; i >= 0; i--)
        if (size(waiters[i]!.prefix) >= waiters[i]!.count) waiters.splice(i, 1)[0]!.resolve();
    },
    until(prefix: string, count: number, timeoutMs = 600_000): Promise<void> {
      if (size(prefix) >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${size(prefix)} of ${count} ${prefix} messages arrived`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

/** The same event under another key prefix, so the raw side's messages are told apart at the consumer. */
export const rekeyed = (event: PublishedEvent, prefix: string): PublishedEvent => ({
  ...event,
  key: prefix + event.key.slice(event.key.indexOf(":") + 1),
});

/**
 * ROUNDS timed rounds, alternating: the raw client sends the first round's events under `raw<round>:` keys,
 * then Spark relays that round's; each side's best seconds are kept.
 */
export async function alternateRounds(
  spark: SparkRelaySide,
  {
    n,
    until,
    sendRaw,
  }: {
    n: number;
    until: (prefix: string, count: number) => Promise<void>;
    /** Settles once the raw client has every message of `events` confirmed. */
    sendRaw: (events: PublishedEvent[]) => Promise<void>;
  },
): Promise<{ rawSeconds: number; sparkSeconds: number }> {
  let rawSeconds = Infinity;
  let sparkSeconds = Infinity;
  for (let round = 1; round <= ROUNDS; round++) {
    const rawEvents = spark.events.map((e) => rekeyed(e, `raw${round}:`));
    const rawStart = performance.now();
    await sendRaw(rawEvents);
    await until(`raw${round}:`, n);
    rawSeconds = Math.min(rawSeconds, (performance.now() - rawStart) / 1000);
    sparkSeconds = Math.min(sparkSeconds, await spark.relay(round, () => until(`bench${round}:`, n)));
  }
  return { rawSeconds, sparkSeconds };
}

/**
 * One relay benchmark over the drivers asked for (PostgreSQL only with a database URL), printing its table:
 * Spark, the raw client pipelined and one at a time.
 */
export async function relayBenchmarkOver(
  options: BenchOptions,
  {
    title,
    headings,
    rawUnit,
    measure,
  }: {
    /** How the progress line names a run, after the driver: "RabbitMQ, …". */
    title: (driver: string) => string;
    /** The Spark and raw pipelined column headings. */
    headings: [string, string];
    rawUnit: string;
    measure: (driver: "pglite" | "postgres") => Promise<BenchResult>;
  },
): Promise<BenchResult[]> {
  const drivers = options.driver === "both" ? (["pglite", "postgres"] as const) : [options.driver];
  const results: BenchResult[] = [];
  for (const driver of drivers) {
    if (driver === "postgres" && !options.databaseUrl) {
      process.stderr.write("relay: skipping postgres; set BENCH_DATABASE_URL (or TEST_DATABASE_URL).\n");
      continue;
    }
    process.stderr.write(`relay: ${title(driver)}\n`);
    results.push(await measure(driver));
  }
  if (!options.json)
    printTable(
      ["benchmark", headings[0], headings[1], "ratio", "raw, one at a time", "ratio"],
      results.map((r) => [
        r.name,
        `${r.value.toLocaleString("en")} ${r.unit}`,
        `${r.baseline.toLocaleString("en")} ${rawUnit}`,
        r.ratio.toFixed(2),
        `${(r.oneAtATime as number).toLocaleString("en")} ${rawUnit}`,
        (r.ratioOneAtATime as number).toFixed(2),
      ]),
    );
  return results;
}
