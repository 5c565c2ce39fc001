import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import amqplib, { type ChannelModel } from "amqplib";
import { connect as natsConnect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertNewEvents } from "@/db/queries/events";
import { startDispatcher } from "@/runtime/dispatcher";
import { closeRelays } from "@/spark/brokers/relays";
import { createSubscription } from "@/spark/subscriptions/subscriptions";
import { testConnections } from "@/testing/connections";
import { testDeps } from "@/testing/deps";
import { countRows, createScratchPostgres, report } from "./harness";

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl)
  throw new Error(
    "npm run test:reliability needs TEST_DATABASE_URL (a PostgreSQL server where it may create databases)",
  );

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
const NATS = "nats://127.0.0.1:4222";
const NATS_SERVER = "/usr/sbin/nats-server";
const SECRET_KEY = "reliability secret key, long enough for SPARK_SECRET_KEY";
const BEFORE = 2_000;
const DURING = 500;
const GROUP = "relay.outage";
const MINUTE = 60_000;
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function rabbitAnswers(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}

async function natsAnswers(): Promise<boolean> {
  try {
    const nc = await natsConnect({ servers: NATS, reconnect: false, timeout: 2_000 });
    await jetstreamManager(nc);
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** The running nats-server's pid and arguments, read from /proc, so it is started again exactly as it was. */
async function natsServerProcess(): Promise<{ pid: number; args: string[] } | null> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    // Arguments end with a NUL each, so the last piece of the split is the empty string after the last one.
    const [exe, ...args] = argv.split("\0").slice(0, -1);
    if (exe === NATS_SERVER) return { pid: Number(entry), args };
  }
  return null;
}

// Restarting NATS means killing a server this test did not start, so only where it can be started again
// the same way: as root, with start-stop-daemon, a server found in /proc.
const natsRestartable =
  process.getuid?.() === 0 &&
  existsSync("/usr/sbin/start-stop-daemon") &&
  (await natsAnswers()) &&
  (await natsServerProcess()) !== null;

type Outage = {
  kind: "rabbitmq" | "nats";
  target: string;
  config: Record<string, unknown>;
  /** Distinct keys that have reached the broker so far, as a plain client sees them. */
  arrived(): Promise<number>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Every copy of every key the plain client read, once the relay is done. */
  collect(): Promise<Map<string, number>>;
};

/**
 * 2,000 events relayed by the dispatcher through a subscription; the broker stopped once some have
 * arrived, 500 more recorded while it is down, the broker started again; then every key must reach the
 * plain client. Events that failed during the outage wait in the backlog on the retry schedule (5 s,
 * then 5 min, 30 min…): when they have not arrived after a real wait, the dispatcher's clock jumps to
 * the next step rather than the test sleeping through it — the jumps are reported.
 */
async function relayThroughOutage(outage: Outage) {
  const t0 = performance.now();
  const scratch = await createScratchPostgres(adminUrl!);
  const { database } = scratch;
  let offset = 0;
  const deps = testDeps(database, {
    connections: testConnections(database, { secretKey: SECRET_KEY }),
    clock: () => new Date(Date.now() + offset),
  });
  let dispatcher: ReturnType<typeof startDispatcher> | null = null;
  const record = (from: number, count: number) =>
    insertNewEvents(database.db, {
      events: Array.from({ length: count }, (_, i) => ({
        group: GROUP,
        key: `relay:${from + i}`,
        context: { i: from + i },
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
  const backlog = (parked: boolean) =>
    countRows(
      database,
      parked
        ? sql`select count(*)::int as n from subscription_backlog where parked_at is not null`
        : sql`select count(*)::int as n from subscription_backlog where parked_at is null`,
    );
  try {
    const created = await createSubscription(deps, {
      input: {
        name: `relay-${outage.kind}`,
        kind: outage.kind,
        groups: GROUP,
        target: outage.target,
        from: "beginning",
        config: outage.config,
      },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    await record(0, 200);
    dispatcher = startDispatcher({ deps, listen: database.listen, holder: `reliability:${process.pid}` });
    await until("200 events at the broker", async () => (await outage.arrived()) >= 200, 120_000);
    // The rest are recorded just before the broker goes away, so the relay is at work on them when it
    // does (how far it got is reported); and those recorded during the outage wait for its return.
    await record(200, BEFORE - 200);

    const arrivedAtStop = await outage.arrived();
    let backlogInOutage: number;
    let outageSeconds: number;
    const down = performance.now();
    try {
      await outage.stop();
      for (let i = 0; i < DURING; i += 100) {
        await record(BEFORE + i, 100);
        await sleep(200);
      }
      await sleep(2_000);
      backlogInOutage = await backlog(false);
    } finally {
      await outage.start();
      outageSeconds = (performance.now() - down) / 1000;
    }
    const back = performance.now();

    const total = BEFORE + DURING;
    const steps = [7 * MINUTE, 35 * MINUTE, 150 * MINUTE];
    let jumpedMinutes = 0;
    for (let step = 0; ; step++) {
      try {
        // The relay's own reconnect backoff reaches 30 s of real time, so the first wait outlasts it.
        await until(`${total} events at the broker`, async () => (await outage.arrived()) >= total, 45_000);
        break;
      } catch (error) {
        if (step >= steps.length) throw error;
        offset += steps[step]!;
        jumpedMinutes += steps[step]! / MINUTE;
      }
    }
    const secondsAfterReturn = (performance.now() - back) / 1000;
    await dispatcher.stop();
    dispatcher = null;

    const copies = await outage.collect();
    const expected = Array.from({ length: total }, (_, i) => `relay:${i}`);
    const missing = expected.filter((key) => !copies.has(key));
    const duplicates = [...copies.values()].reduce((sum, n) => sum + n - 1, 0);
    const failedAttempts = await countRows(
      database,
      sql`select count(*)::int as n from subscription_attempts where outcome <> 'delivered'`,
    );
    const duplicateAcks = await countRows(
      database,
      sql`select count(*)::int as n from subscription_attempts where response like '%(duplicate)%'`,
    );
    const figures = {
      sent: total,
      "arrived (distinct)": copies.size,
      missing: missing.length,
      duplicates,
      "duplicate acks (JetStream de-duplicated)": duplicateAcks,
      "arrived when stopping": arrivedAtStop,
      "backlog in outage": backlogInOutage,
      "failed attempts": failedAttempts,
      "outage s": outageSeconds.toFixed(1),
      "all arrived s after return": secondsAfterReturn.toFixed(1),
      "clock jumped min": jumpedMinutes,
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    };
    report(`relay ${outage.kind} restart`, figures);
    expect(missing.slice(0, 20)).toEqual([]);
    // At least once: the publishes awaiting their confirms when the broker went away (a relay keeps up to
    // 512) may have been stored and are sent again; JetStream drops those repeats by their Nats-Msg-Id.
    expect(duplicates).toBeLessThanOrEqual(512);
    expect(await backlog(false)).toBe(0);
    expect(await backlog(true)).toBe(0);
    return figures;
  } finally {
    await dispatcher?.stop();
    await closeRelays();
    await scratch.drop();
  }
}

/** A plain amqplib consumer that reconnects after the broker returns, counting each key's copies. */
function rabbitConsumer(queue: string) {
  const copies = new Map<string, number>();
  let redelivered = 0;
  let stopped = false;
  let connection: ChannelModel | null = null;
  const attach = async (): Promise<void> => {
    while (!stopped) {
      try {
        const opened = await amqplib.connect(RABBIT);
        opened.on("error", () => {});
        const channel = await opened.createChannel();
        channel.on("error", () => {});
        await channel.prefetch(500);
        await channel.consume(queue, (message) => {
          if (!message) return;
          const key = String(message.properties.messageId);
          // A message the broker sends again because this consumer's ack was lost with the connection is
          // the consumer's repeat, not the relay's.
          if (message.fields.redelivered && copies.has(key)) redelivered++;
          else copies.set(key, (copies.get(key) ?? 0) + 1);
          try {
            channel.ack(message);
          } catch {
            // The channel closed under the broker's stop: the message comes back, redelivered.
          }
        });
        connection = opened;
        opened.on("close", () => {
          connection = null;
          if (!stopped) void sleep(500).then(attach);
        });
        return;
      } catch {
        await sleep(500);
      }
    }
  };
  return {
    copies,
    redelivered: () => redelivered,
    attach,
    async close() {
      stopped = true;
      await connection?.close().catch(() => {});
    },
  };
}

async function rabbitctl(command: "stop_app" | "start_app") {
  await run("rabbitmqctl", [command], { timeout: 120_000 });
}

describe.skipIf(!(await rabbitAnswers()))(
  "a broker relay across a broker restart (PostgreSQL, the dispatcher, a real RabbitMQ / NATS)",
  () => {
    it("RabbitMQ stopped mid-relay (stop_app / start_app): every event arrives after it returns, none skipped", async () => {
      const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const exchange = `spark.reliability.relay.${id}`;
      const queue = `spark.reliability.relay.${id}`;
      const setup = await amqplib.connect(RABBIT);
      setup.on("error", () => {});
      const channel = await setup.createChannel();
      // Durable both, so what was confirmed before the stop is still there after it.
      await channel.assertExchange(exchange, "topic", { durable: true });
      await channel.assertQueue(queue, { durable: true });
      await channel.bindQueue(queue, exchange, "#");
      await setup.close();
      const consumer = rabbitConsumer(queue);
      await consumer.attach();
      let stopped = false;
      try {
        const figures = await relayThroughOutage({
          kind: "rabbitmq",
          target: RABBIT,
          config: { exchange },
          arrived: async () => consumer.copies.size,
          stop: async () => {
            stopped = true;
            await rabbitctl("stop_app");
          },
          start: async () => {
            await rabbitctl("start_app");
            stopped = false;
            await until("RabbitMQ to answer", rabbitAnswers, 60_000);
          },
          collect: async () => {
            // Anything still on its way to the consumer is in the queue: wait for it to drain.
            await sleep(1_000);
            return consumer.copies;
          },
        });
        report("relay rabbitmq restart (consumer)", { "consumer redeliveries (not counted)": consumer.redelivered() });
        expect(figures.missing).toBe(0);
      } finally {
        if (stopped) await rabbitctl("start_app").catch(() => {});
        await until("RabbitMQ to answer", rabbitAnswers, 60_000).catch(() => {});
        await consumer.close();
        const cleanup = await amqplib.connect(RABBIT).catch(() => null);
        if (cleanup) {
          cleanup.on("error", () => {});
          const ch = await cleanup.createChannel();
          await ch.deleteQueue(queue).catch(() => {});
          await ch.deleteExchange(exchange).catch(() => {});
          await cleanup.close().catch(() => {});
        }
      }
    }, 600_000);
  },
);

describe.skipIf(!natsRestartable)("a NATS relay across a nats-server restart (PostgreSQL, the dispatcher)", () => {
  it("nats-server killed mid-relay and started again as it was: every event arrives, none skipped", async () => {
    const original = (await natsServerProcess())!;
    const id = `relay${Date.now().toString(36)}`;
    const stream = `SPARK_RELIABILITY_${id.toUpperCase()}`;
    const admin = await natsConnect({ servers: NATS });
    await (await jetstreamManager(admin)).streams.add({ name: stream, subjects: [`${id}.>`] });
    await admin.close();
    const stored = async () => {
      const nc = await natsConnect({ servers: NATS, reconnect: false, timeout: 2_000 });
      try {
        return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
      } finally {
        await nc.close();
      }
    };
    const startAsBefore = async () => {
      if (await natsServerProcess()) return;
      await run(
        "start-stop-daemon",
        ["--start", "--oknodo", "--background", "--exec", NATS_SERVER, "--", ...original.args],
        { timeout: 30_000 },
      );
    };
    try {
      await relayThroughOutage({
        kind: "nats",
        target: NATS,
        config: { subject: `${id}.{group}` },
        arrived: () => stored().catch(() => 0),
        stop: async () => {
          const running = await natsServerProcess();
          if (!running) return;
          process.kill(running.pid, "SIGTERM");
          await until("nats-server to exit", async () => (await natsServerProcess()) === null, 30_000);
        },
        start: async () => {
          await startAsBefore();
          await until("NATS JetStream to answer", natsAnswers, 60_000);
        },
        collect: async () => {
          const nc = await natsConnect({ servers: NATS });
          const copies = new Map<string, number>();
          try {
            const total = (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
            const consumer = await jetstream(nc).consumers.get(stream);
            const messages = await consumer.fetch({ max_messages: total, expires: 10_000 });
            let read = 0;
            for await (const m of messages) {
              const key = m.headers?.get("Nats-Msg-Id") ?? "";
              copies.set(key, (copies.get(key) ?? 0) + 1);
              if (++read >= total) break;
            }
          } finally {
            await nc.close();
          }
          return copies;
        },
      });
    } finally {
      await startAsBefore().catch(() => {});
      await until("NATS JetStream to answer", natsAnswers, 60_000).catch(() => {});
      const nc = await natsConnect({ servers: NATS }).catch(() => null);
      if (nc) {
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
        await nc.close();
      }
    }
  }, 600_000);
});
