import { randomBytes } from "node:crypto";
import amqp from "amqplib";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { messagePropertiesOf, rabbitmqDriver } from "@/spark/brokers/rabbitmq";
import { webhookBody } from "@/spark/webhooks/sign";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

const DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F";

function eventOf(i: number, prefix: string): PublishedEvent {
  return {
    id: i,
    group: "bench.created",
    key: `${prefix}:${i}`,
    context: { i, title: `Item ${i}` },
    createdAt: new Date(),
    source: null,
    aggregate: i % 2 === 0 ? { type: "item", id: String(i), version: 1 } : null,
    position: { tx: "1", id: i },
  };
}

/**
 * `relay` (RabbitMQ half): events per second through `rabbitmqDriver.relay(...).publish`, one at a time as a
 * subscription hands them on, beside a raw amqplib confirm channel publishing the same messages one at a
 * time and waiting for each confirm, in the same run against the same durable queue. The broker comes
 * from BENCH_RABBITMQ_URL (default guest on 127.0.0.1).
 */
export async function relayRabbitBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 5_000;
  const parsed = rabbitmqDriver.parseUrl(process.env.BENCH_RABBITMQ_URL ?? DEFAULT_URL);
  if (!parsed.ok) throw new Error(parsed.message);
  const address = parsed.address;
  const run = randomBytes(4).toString("hex");
  const exchange = `spark.bench.${run}`;
  const queue = `spark.bench.${run}`;

  const problem = await rabbitmqDriver.check(address, { exchange: "amq.topic" }, "relay");
  if (problem) throw new Error(problem);
  const admin = await amqp.connect(process.env.BENCH_RABBITMQ_URL ?? DEFAULT_URL);
  admin.on("error", () => {});
  const setup = await admin.createChannel();
  await setup.assertExchange(exchange, "topic", { durable: true });
  await setup.assertQueue(queue, { durable: true });
  await setup.bindQueue(queue, exchange, "#");
  process.stderr.write(`relay: RabbitMQ, ${n.toLocaleString("en")} events one at a time with confirms…\n`);

  try {
    // A connection of its own, as the relay has, so neither shares a socket with the setup channel.
    const rawConnection = await amqp.connect(process.env.BENCH_RABBITMQ_URL ?? DEFAULT_URL);
    rawConnection.on("error", () => {});
    const raw = await rawConnection.createConfirmChannel();
    const rawPublish = (event: PublishedEvent) =>
      new Promise<void>((resolve, reject) =>
        raw.publish(exchange, event.group, Buffer.from(webhookBody(event)), messagePropertiesOf(event), (error) =>
          error ? reject(new Error("raw publish was not confirmed")) : resolve(),
        ),
      );
    const relay = rabbitmqDriver.relay(address, { exchange });
    const sparkPublish = async (event: PublishedEvent) => {
      const result = await relay.publish(event, {});
      if (!result.ok) throw new Error(result.error);
    };

    // Both sides open their connections and warm up before the clock starts.
    for (let i = 0; i < 200; i++) {
      await rawPublish(eventOf(i, "warm-raw"));
      await sparkPublish(eventOf(i, "warm-spark"));
    }
    const rawEvents = Array.from({ length: n }, (_, i) => eventOf(i, "raw"));
    const sparkEvents = Array.from({ length: n }, (_, i) => eventOf(i, "spark"));

    // Twenty short rounds that alternate which side goes first, so neither always meets the longer queue,
    // and a burst of load on a shared machine falls on both: four long rounds swung the ratio 0.7–1.3.
    let rawSeconds = 0;
    let sparkSeconds = 0;
    const rounds = 20;
    const timed = async (events: PublishedEvent[], publish: (event: PublishedEvent) => Promise<void>) => {
      const start = performance.now();
      for (const event of events) await publish(event);
      return (performance.now() - start) / 1000;
    };
    for (let round = 0; round < rounds; round++) {
      const from = Math.floor((round * n) / rounds);
      const to = Math.floor(((round + 1) * n) / rounds);
      if (round % 2 === 0) {
        rawSeconds += await timed(rawEvents.slice(from, to), rawPublish);
        sparkSeconds += await timed(sparkEvents.slice(from, to), sparkPublish);
      } else {
        sparkSeconds += await timed(sparkEvents.slice(from, to), sparkPublish);
        rawSeconds += await timed(rawEvents.slice(from, to), rawPublish);
      }
    }
    await relay.close();
    await rawConnection.close();

    const rate = n / sparkSeconds;
    const baseline = n / rawSeconds;
    const results: BenchResult[] = [
      {
        name: "relay.rabbitmq",
        value: Math.round(rate),
        unit: "events/s",
        baseline: Math.round(baseline),
        ratio: Number((rate / baseline).toFixed(3)),
        n,
      },
    ];
    if (!options.json)
      printTable(
        ["benchmark", "Spark relay (confirmed)", "raw amqplib confirm channel", "ratio"],
        results.map((r) => [
          r.name,
          `${r.value.toLocaleString("en")} ${r.unit}`,
          `${r.baseline.toLocaleString("en")} messages/s`,
          r.ratio.toFixed(2),
        ]),
      );
    return results;
  } finally {
    await setup.deleteQueue(queue).catch(() => {});
    await setup.deleteExchange(exchange).catch(() => {});
    await admin.close().catch(() => {});
  }
}
