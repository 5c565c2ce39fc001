import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { natsDriver } from "@/spark/brokers/nats";
import type { BrokerAddress } from "@/spark/brokers/types";
import { webhookBody } from "@/spark/webhooks/sign";
import {
  alternateRounds,
  arrivals,
  pipelined,
  rekeyed,
  relayBenchmarkOver,
  ROUNDS,
  WARM_UP,
  withSparkRelay,
} from "./relay-spark";
import type { BenchOptions, BenchResult } from "./run";

/** In flight at once on the raw side: enough to keep JetStream busy without timing publishes out. */
const WINDOW = 256;

async function connectTo(address: BrokerAddress): Promise<NatsConnection> {
  const url = new URL(address.url);
  const user = decodeURIComponent(url.username);
  return connect({
    servers: `${url.hostname}:${url.port}`,
    // As Spark's relay connects: no call-site stack captured for every publish.
    noAsyncTraces: true,
    tls: url.protocol === "tls:" ? {} : undefined,
    ...(user ? { user, pass: address.password ?? undefined } : address.password ? { token: address.password } : {}),
  });
}

async function measure(
  driver: "pglite" | "postgres",
  n: number,
  databaseUrl: string | null,
  target: string,
  address: BrokerAddress,
): Promise<BenchResult> {
  const run = `bench${Date.now().toString(36)}`;
  const stream = `SPARK_BENCH_${run.toUpperCase()}`;
  const nc = await connectTo(address);
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${run}.>`] });
  // Counted where a reader of the stream sees them: a plain ordered consumer over what JetStream stored.
  const counted = arrivals();
  const reader = await connectTo(address);
  const messages = await (await jetstream(reader).consumers.get(stream)).consume();
  const reading = (async () => {
    for await (const m of messages) counted.note(m.headers?.get("Nats-Msg-Id") ?? "");
  })();
  try {
    return await withSparkRelay(
      {
        driver,
        databaseUrl,
        n,
        kind: "nats",
        target,
        config: { subject: `${run}.spark.{group}` },
        until: counted.until,
      },
      async (spark) => {
        const js = jetstream(nc);
        const publish = async (event: PublishedEvent, side: string) => {
          const h = headers();
          h.set("Content-Type", "application/json");
          h.set("Spark-Group", event.group);
          if (event.aggregate) {
            h.set("Spark-Aggregate-Type", event.aggregate.type);
            h.set("Spark-Aggregate-Id", event.aggregate.id);
            h.set("Spark-Version", String(event.aggregate.version));
          }
          await js.publish(`${run}.${side}.${event.group}`, webhookBody(event), { msgID: event.key, headers: h });
        };

        const warmEvents = spark.events.slice(0, WARM_UP).map((e) => rekeyed(e, "rawwarm:"));
        await pipelined(warmEvents, WINDOW, (event) => publish(event, "raw"));
        await counted.until("rawwarm:", warmEvents.length);

        // The fastest fair floor: the same messages and headers with WINDOW publishes awaiting their acks at
        // once; then Spark through the dispatcher. Alternating, best of each.
        const { rawSeconds, sparkSeconds } = await alternateRounds(spark, {
          n,
          until: counted.until,
          sendRaw: (events) => pipelined(events, WINDOW, (event) => publish(event, "raw")),
        });

        // One ack at a time, as a subscription hands events on: shown for reference beside the floor.
        const serialEvents = spark.events.map((e) => rekeyed(e, "serial:"));
        const serialStart = performance.now();
        await pipelined(serialEvents, 1, (event) => publish(event, "serial"));
        await counted.until("serial:", n);
        const serialSeconds = (performance.now() - serialStart) / 1000;

        const stored = (await jsm.streams.info(stream)).state.messages;
        const expected = (2 * ROUNDS + 1) * n + WARM_UP + Math.min(WARM_UP, n);
        if (stored !== expected) throw new Error(`The stream holds ${stored} messages; expected ${expected}.`);
        const rate = n / sparkSeconds;
        const baseline = n / rawSeconds;
        const serial = n / serialSeconds;
        return {
          name: `relay.nats.${driver}`,
          value: Math.round(rate),
          unit: "events/s",
          baseline: Math.round(baseline),
          ratio: Number((rate / baseline).toFixed(3)),
          n,
          oneAtATime: Math.round(serial),
          ratioOneAtATime: Number((rate / serial).toFixed(3)),
          rounds: ROUNDS,
        };
      },
    );
  } finally {
    messages.stop();
    await reading.catch(() => {});
    await reader.close().catch(() => {});
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close().catch(() => {});
  }
}

/**
 * `relay` (NATS half): events per second from the events table to a JetStream stream through a nats
 * subscription and the dispatcher, counted by a plain ordered consumer, beside a raw @nats-io JetStream
 * client publishing the same bodies and headers with acks (pipelined, and one at a time for reference)
 * in the same run, to a stream made for the run and deleted after. BENCH_NATS_URL names the server.
 */
export async function relayNatsBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 10_000;
  const target = process.env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
  const parsed = natsDriver.parseUrl(target);
  if (!parsed.ok) throw new Error(parsed.message);
  return relayBenchmarkOver(options, {
    title: (driver) => `NATS JetStream, ${driver}, ${n.toLocaleString("en")} events with acks…`,
    headings: ["Spark (table to stream)", "raw JetStream, pipelined"],
    rawUnit: "publishes/s",
    measure: (driver) => measure(driver, n, options.databaseUrl, target, parsed.address),
  });
}
