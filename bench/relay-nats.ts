import { connect, headers } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { natsDriver } from "@/spark/brokers/nats";
import { webhookBody } from "@/spark/webhooks/sign";
import { printTable } from "./generate";
import type { BenchOptions, BenchResult } from "./run";

const eventsOf = (prefix: string, n: number): PublishedEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    group: "bench.created",
    key: `${prefix}:${i}`,
    context: { i, title: `Item ${i}` },
    createdAt: new Date(),
    source: null,
    aggregate: null,
    position: { tx: "1", id: i + 1 },
  }));

/**
 * `npm run bench -- relay` (NATS part): events per second through `natsDriver.relay(...).publish`, one at
 * a time as a subscription hands them on, beside a raw @nats-io JetStream loop publishing the same bodies
 * and headers awaiting each ack, in the same run, to a stream made for the run and deleted after.
 * `BENCH_NATS_URL` names the server (default nats://127.0.0.1:4222).
 */
export async function relayNatsBenchmark(options: BenchOptions): Promise<BenchResult[]> {
  const n = options.n ?? 5_000;
  const parsed = natsDriver.parseUrl(process.env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222");
  if (!parsed.ok) throw new Error(parsed.message);
  const { address } = parsed;
  const run = `bench${Date.now().toString(36)}`;
  const stream = `SPARK_BENCH_${run.toUpperCase()}`;
  const url = new URL(address.url);
  const user = decodeURIComponent(url.username);
  const nc = await connect({
    servers: `${url.hostname}:${url.port}`,
    tls: url.protocol === "tls:" ? {} : undefined,
    ...(user ? { user, pass: address.password ?? undefined } : address.password ? { token: address.password } : {}),
  });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${run}.>`] });
  process.stderr.write(`relay-nats: ${n.toLocaleString("en")} events to JetStream stream ${stream}…\n`);
  const relay = natsDriver.relay(address, { subject: `${run}.spark.{group}` });
  try {
    const js = jetstream(nc);
    const raw = async (events: PublishedEvent[]) => {
      for (const event of events) {
        const h = headers();
        h.set("Content-Type", "application/json");
        h.set("Spark-Group", event.group);
        await js.publish(`${run}.raw.${event.group}`, webhookBody(event), { msgID: event.key, headers: h });
      }
    };
    const spark = async (events: PublishedEvent[]) => {
      for (const event of events) {
        const result = await relay.publish(event, {});
        if (!result.ok) throw new Error(result.error);
      }
    };
    // Both connections warm (handshake, JetStream's first lookups) before either is timed.
    await raw(eventsOf("warm-raw", 200));
    await spark(eventsOf("warm-spark", 200));

    const rawEvents = eventsOf("raw", n);
    const rawStart = performance.now();
    await raw(rawEvents);
    const rawSeconds = (performance.now() - rawStart) / 1000;

    const sparkEvents = eventsOf("spark", n);
    const sparkStart = performance.now();
    await spark(sparkEvents);
    const sparkSeconds = (performance.now() - sparkStart) / 1000;

    const stored = (await jsm.streams.info(stream)).state.messages;
    if (stored !== 2 * n + 400) throw new Error(`The stream holds ${stored} messages; expected ${2 * n + 400}.`);
    const rate = n / sparkSeconds;
    const baseline = n / rawSeconds;
    const results: BenchResult[] = [
      {
        name: "relay.nats",
        value: Math.round(rate),
        unit: "events/s",
        baseline: Math.round(baseline),
        ratio: Number((rate / baseline).toFixed(3)),
        n,
      },
    ];
    if (!options.json)
      printTable(
        ["benchmark", "Spark relay (acked)", "raw JetStream publish loop", "ratio"],
        results.map((r) => [
          r.name,
          `${r.value.toLocaleString("en")} ${r.unit}`,
          `${r.baseline.toLocaleString("en")} publishes/s`,
          r.ratio.toFixed(2),
        ]),
      );
    return results;
  } finally {
    await relay.close();
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  }
}
