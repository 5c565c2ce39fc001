import { spawn } from "node:child_process";
import amqplib from "amqplib";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { createInbound } from "@/spark/inbound/inbounds";
import { testConnections } from "@/testing/connections";
import { testDeps } from "@/testing/deps";
import { countRows, createScratchPostgres, report } from "./harness";

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl)
  throw new Error(
    "npm run test:reliability needs TEST_DATABASE_URL (a PostgreSQL server where it may create databases)",
  );

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
const SECRET_KEY = "reliability secret key, long enough for SPARK_SECRET_KEY";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rabbitAnswers(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}

/** `npm run consume -- <name>` as that script runs it (node itself, so a SIGKILL reaches the consumer). */
function startConsumer(name: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "cli/consume.ts", name], {
    env: { ...process.env, SPARK_SCHEDULE_SECONDS: "0", SPARK_DEMO: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, done, stderr: () => stderr };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.skipIf(!(await rabbitAnswers()))(
  "an inbound under a consumer killed with SIGKILL (PostgreSQL, a consume process, a real RabbitMQ)",
  () => {
    let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
    let database: Database;
    beforeAll(async () => {
      scratch = await createScratchPostgres(adminUrl!);
      database = scratch.database;
    });
    afterAll(async () => {
      await scratch?.drop();
    });

    it("10,000 messages with 100 duplicates and 10 malformed: 9,890 events, 10 dead-lettered, nothing lost across two kill -9", async () => {
      const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const queue = `spark.reliability.inbound.${run}`;
      const dead = `${queue}.dead`;
      const group = "reliability.inbound";
      const connection = await amqplib.connect(RABBIT);
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(dead, { durable: true });
      // Refused messages go through the default exchange to the dead-letter queue, as an operator would set it up.
      await channel.assertQueue(queue, {
        durable: true,
        arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead },
      });
      const env = { DATABASE_URL: scratch.url, SPARK_SECRET_KEY: SECRET_KEY, SPARK_LOG_LEVEL: "warn" };
      let consumer: ReturnType<typeof startConsumer> | null = null;
      try {
        const deps = testDeps(database, { connections: testConnections(database, { secretKey: SECRET_KEY }) });
        const created = await createInbound(deps, {
          input: { name: `reliability-${run}`, kind: "rabbitmq", url: RABBIT, config: { queue, prefetch: 50 } },
          by: null,
        });
        if (created.status !== "ok") throw new Error(created.message);

        // 9,890 distinct events, 100 of them sent a second time further on, and 10 bodies that are not events.
        const bodies: Buffer[] = [];
        for (let n = 0; n < 9_890; n++) {
          bodies.push(Buffer.from(JSON.stringify({ group, key: `rel:${run}:${n}`, context: { n } })));
          if (n % 97 === 96 && n / 97 < 100) {
            const again = n - 50;
            bodies.push(Buffer.from(JSON.stringify({ group, key: `rel:${run}:${again}`, context: { n: again } })));
          }
          if (n % 989 === 500) bodies.push(Buffer.from(`{not json ${n}`));
        }
        expect(bodies).toHaveLength(10_000);
        for (const body of bodies) channel.sendToQueue(queue, body, { persistent: true });
        await channel.waitForConfirms();

        const events = () =>
          countRows(database, sql`select count(*)::int as n from events where event_group = ${group}`);
        const kills: number[] = [];
        for (const at of [1_500, 5_000]) {
          consumer = startConsumer(created.inbound.name, env);
          await until(`${at} events`, async () => (await events()) >= at, 120_000);
          consumer.child.kill("SIGKILL");
          expect((await consumer.done).signal).toBe("SIGKILL");
          kills.push(await events());
          consumer = null;
        }
        expect(kills.every((n) => n < 9_890)).toBe(true);

        consumer = startConsumer(created.inbound.name, env);
        await until("9,890 events", async () => (await events()) === 9_890, 180_000);
        await until(
          "an empty queue and 10 dead-lettered messages",
          async () =>
            (await channel.checkQueue(queue)).messageCount === 0 &&
            (await channel.checkQueue(dead)).messageCount === 10,
          60_000,
        );
        const last = consumer;
        consumer = null;
        last.child.kill("SIGTERM");
        expect(await last.done).toEqual({ code: 0, signal: null });
        // The consumer has closed its channel: anything it had not acknowledged would be back in the queue.
        expect((await channel.checkQueue(queue)).messageCount).toBe(0);

        const keys = rowsOf<{ key: string }>(
          await database.db.execute(sql`select key from events where event_group = ${group}`),
        ).map((r) => r.key);
        expect(new Set(keys).size).toBe(9_890);
        const recorded = new Set(keys);
        expect(Array.from({ length: 9_890 }, (_, n) => `rel:${run}:${n}`).filter((k) => !recorded.has(k))).toEqual([]);

        const deadBodies: string[] = [];
        for (;;) {
          const message = await channel.get(dead, { noAck: true });
          if (!message) break;
          deadBodies.push(message.content.toString("utf8"));
        }
        expect(deadBodies.sort()).toEqual(
          bodies
            .map((b) => b.toString("utf8"))
            .filter((b) => b.startsWith("{not json"))
            .sort(),
        );

        const [inbound] = rowsOf<{ received: number; recorded: number; duplicates: number; rejected: number }>(
          await database.db.execute(
            sql`select received::int, recorded::int, duplicates::int, rejected::int from inbounds where id = ${created.inbound.id}`,
          ),
        );
        const rejections = rowsOf<{ body: string }>(
          await database.db.execute(sql`select body from inbound_rejections where inbound_id = ${created.inbound.id}`),
        );
        expect(new Set(rejections.map((r) => r.body)).size).toBe(10);
        for (const r of rejections) expect(r.body.startsWith("{not json")).toBe(true);
        // An event is counted by the batch that recorded it, so never twice, however often it is delivered.
        expect(inbound!.recorded).toBeLessThanOrEqual(9_890);
        report("inbound kill -9", {
          messages: bodies.length,
          events: keys.length,
          "events at the kills": kills.join(" and "),
          "received (counted)": inbound!.received,
          "recorded (counted)": inbound!.recorded,
          "duplicates (counted; redeliveries included)": inbound!.duplicates,
          "dead-lettered": deadBodies.length,
          "refusals kept": rejections.length,
        });
      } finally {
        if (consumer) {
          consumer.child.kill("SIGKILL");
          await consumer.done;
        }
        await channel.deleteQueue(queue).catch(() => {});
        await channel.deleteQueue(dead).catch(() => {});
        await connection.close().catch(() => {});
      }
    });
  },
);
