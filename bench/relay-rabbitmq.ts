import { once } from "node:events";
import { randomBytes } from "node:crypto";
import amqp from "amqplib";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { messagePropertiesOf, rabbitmqDriver } from "@/spark/brokers/rabbitmq";
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

const DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F";

async function measure(
  driver: "pglite" | "postgres",
  n: number,
  databaseUrl: string | null,
  url: string,
): Promise<BenchResult> {
  const run = randomBytes(4).toString("hex");
  const exchange = `spark.bench.${run}`;
  const queue = `spark.bench.${run}`;
  const admin = await amqp.connect(url);
  admin.on("error", () => {});
  const setup = await admin.createChannel();
  await setup.assertExchange(exchange, "topic", { durable: true });
  await setup.assertQueue(queue, { durable: true });
  await setup.bindQueue(queue, exchange, "#");
  // The count is taken where a consumer of the relay would see it: a plain amqplib consumer on a queue
  // bound to the exchange, on a connection of its own.
  const counted = arrivals();
  const consumerConnection = await amqp.connect(url);
  consumerConnection.on("error", () => {});
  const consumer = await consumerConnection.createChannel();
  await consumer.consume(queue, (message) => message && counted.note(String(message.properties.messageId)), {
    noAck: true,
  });
  try {
    return await withSparkRelay(
      { driver, databaseUrl, n, kind: "rabbitmq", target: url, config: { exchange }, until: counted.until },
      async (spark) => {
        const rawConnection = await amqp.connect(url);
        rawConnection.on("error", () => {});
        const raw = await rawConnection.createConfirmChannel();
        const send = (event: PublishedEvent, callback?: (error: unknown) => void) =>
          raw.publish(exchange, event.group, Buffer.from(webhookBody(event)), messagePropertiesOf(event), callback);

        for (const event of spark.events.slice(0, WARM_UP).map((e) => rekeyed(e, "rawwarm:")))
          if (!send(event)) await once(raw, "drain");
        await raw.waitForConfirms();
        await counted.until("rawwarm:", Math.min(WARM_UP, n));

        // The fastest fair floor: every publish sent without waiting, the confirms awaited together, and the
        // clock stopped when the last message is both confirmed and in the queue. Spark: the dispatcher reads
        // the recorded events from the checkpoint and relays each with confirms. Alternating, best of each.
        const { rawSeconds, sparkSeconds } = await alternateRounds(spark, {
          n,
          until: counted.until,
          sendRaw: async (events) => {
            for (const event of events) if (!send(event)) await once(raw, "drain");
            await raw.waitForConfirms();
          },
        });

        // The same messages one at a time, each confirm awaited before the next: a subscription's hand-off
        // at its strictest, shown beside the pipelined floor so the cost of waiting per event is visible.
        const serialEvents = spark.events.map((e) => rekeyed(e, "serial:"));
        const serialStart = performance.now();
        await pipelined(
          serialEvents,
          1,
          (event) =>
            new Promise<void>((resolve, reject) =>
              send(event, (error) => (error ? reject(new Error("raw publish was not confirmed")) : resolve())),
            ),
        );
        await counted.until("serial:", n);
        const serialSeconds = (performance.now() - serialStart) / 1000;
        await rawConnection.close();

        const rate = n / sparkSeconds;
        const baseline = n / rawSeconds;
        const serial = n / serialSeconds;
        return {
          name: `relay.rabbitmq.${driver}`,
          value: Math.round(rate),
          unit: "events/s",
          baseline: Math.round(baseline),
          ratio: Number((rate / baseline).toFixed(3)),
          n,
          oneAtATime: Math.round(serial),
          ratioOneAtATime: Number((rate / serial).toFixed(3)),
          rounds: ROUNDS,
          // Keys that arrived more than once, over every prefix (warm-up, rounds and the one-at-a-time run).
          duplicates: counted.total - counted.distinct,
        };
      },
    );
  } finally {
    await consumerConnection.close().catch(() => {});
    await setup.deleteQueue(queue).catch(() => {});
    await setup.deleteExchange(exchange).catch(() => {});
    await admin.close().catch(() => {});
  }
}

/**
 * `relay` (RabbitMQ half): events per second from the events table to a queue through a rabbitmq
 * subscription and the dispatcher (checkpoint, attempts log and confirms included), counted by a plain
 * amqplib consumer, beside a raw amqplib confirm channel publishing the same messages pipelined (and, for
 * reference, one confirm at a time) in the same run. The broker comes from BENCH_RABBITMQ_URL.
 */
export async function relayRabbitBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 10_000;
  const url = process.env.BENCH_RABBITMQ_URL ?? DEFAULT_URL;
  const parsed = rabbitmqDriver.parseUrl(url);
  if (!parsed.ok) throw new Error(parsed.message);
  const problem = await rabbitmqDriver.check(parsed.address, { exchange: "amq.topic" }, "relay");
  if (problem) throw new Error(problem);
  return relayBenchmarkOver(options, {
    title: (driver) => `RabbitMQ, ${driver}, ${n.toLocaleString("en")} events with confirms…`,
    headings: ["Spark (table to queue)", "raw confirm channel, pipelined"],
    rawUnit: "messages/s",
    measure: (driver) => measure(driver, n, options.databaseUrl, url),
  });
}
