import { execFile } from "node:child_process";
import { promisify } from "node:util";
import amqplib from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { listSubscriptionAttemptsPage } from "@/db/queries/subscription-views";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testConnections } from "@/testing/connections";
import { testDeps } from "@/testing/deps";
import { runSubscription } from "../subscriptions/dispatch";
import { createSubscription, describeSubscription } from "../subscriptions/subscriptions";
import { closeRelays } from "./relays";
import { createLogger } from "../logger";
import { connectorFor, createInbound, findInbound, listInboundRejections } from "../inbound/inbounds";
import { runInbound } from "../inbound/run";
import { PassThrough } from "node:stream";

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
const SECRET_KEY = "refusals test key, long enough for SPARK_SECRET_KEY";
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const exec = promisify(execFile);

async function reachable(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}

/** RabbitMQ's own max_message_size, read and set through rabbitmqctl (each channel reads it when it opens). */
const maxMessageSize = {
  async get(): Promise<number> {
    const { stdout } = await exec("rabbitmqctl", ["eval", "application:get_env(rabbit, max_message_size)."]);
    return Number(/\{ok,(\d+)\}/.exec(stdout)?.[1] ?? NaN);
  },
  async set(bytes: number) {
    await exec("rabbitmqctl", ["eval", `application:set_env(rabbit, max_message_size, ${bytes}).`]);
  },
};

// What RabbitMQ refuses inside the relay must reach the operator: the subscription's last error and
// its attempt log, in words that say why. Read back through the same state the Subscriptions page shows.
describe.skipIf(!(await reachable()))(`RabbitMQ refusals reach the subscription on ${testDriver}`, () => {
  let database: Database;
  let connection: amqplib.ChannelModel;
  let channel: amqplib.Channel;
  beforeAll(async () => {
    database = await openTestDatabase();
    connection = await amqplib.connect(RABBIT);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await closeRelays();
    await connection?.close().catch(() => {});
    await database?.close();
  });
  const deps = () => testDeps(database, { connections: testConnections(database, { secretKey: SECRET_KEY }) });

  /** A RabbitMQ subscription of its own group, one event recorded, one run: its state and attempts after. */
  const relayOne = async (name: string, exchange: string, context: Record<string, unknown> = {}) => {
    const group = `refused.${name}`;
    const created = await createSubscription(deps(), {
      input: {
        name: `${name} ${run}`,
        kind: "rabbitmq",
        groups: group,
        target: RABBIT,
        config: { exchange },
        from: "now",
      },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    const id = created.subscription.id;
    await insertNewEvents(database.db, {
      events: [{ group, key: `${group}:${run}`, context, generatorId: null, source: null }],
      jobRunId: null,
    });
    const outcome = await runSubscription(deps(), { id, holder: "t" });
    const state = await describeSubscription(deps(), { id });
    const attempts = await listSubscriptionAttemptsPage(database.db, { subscriptionId: id, cursor: null, limit: 10 });
    return { outcome, state: state!, attempts: attempts.rows };
  };

  it("names an unroutable message: no queue bound for its routing key", async () => {
    const exchange = `spark.refused.${run}.unroutable`;
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
    try {
      const { outcome, state, attempts } = await relayOne("unroutable", exchange);
      expect(outcome).toMatchObject({ delivered: 0, failed: 1 });
      const reason = `No queue is bound to ${exchange} for routing key refused.unroutable; RabbitMQ returned the message.`;
      expect(state.subscription.lastError).toBe(reason);
      expect(state.backlog.waiting).toBe(1);
      expect(attempts).toMatchObject([{ outcome: "failed", error: reason }]);
    } finally {
      await channel.deleteExchange(exchange).catch(() => {});
    }
  });

  it("names a message a full or size-limited queue refused (reject-publish)", async () => {
    const exchange = `spark.refused.${run}.limited`;
    const queue = `spark.refused.${run}.limited`;
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
    await channel.assertQueue(queue, {
      durable: false,
      arguments: { "x-max-length-bytes": 64, "x-overflow": "reject-publish" },
    });
    await channel.bindQueue(queue, exchange, "#");
    try {
      const { outcome, state, attempts } = await relayOne("limited", exchange, { padding: "x".repeat(500) });
      expect(outcome).toMatchObject({ delivered: 0, failed: 1 });
      expect(state.subscription.lastError).toContain("RabbitMQ refused the message (a negative confirm)");
      expect(state.subscription.lastError).toContain("x-max-length-bytes");
      expect(attempts[0]!.error).toBe(state.subscription.lastError);
    } finally {
      await channel.deleteQueue(queue).catch(() => {});
      await channel.deleteExchange(exchange).catch(() => {});
    }
  });

  // The broker's limit is one setting for every channel: changed from one driver's run only, so the two
  // runs of this file never save and restore each other's value.
  it.skipIf(testDriver === "postgres")(
    "names a message over the broker's max_message_size with both sizes",
    async () => {
      const exchange = `spark.refused.${run}.oversize`;
      const queue = `spark.refused.${run}.oversize`;
      await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
      await channel.assertQueue(queue, { durable: false });
      await channel.bindQueue(queue, exchange, "#");
      const before = await maxMessageSize.get();
      expect(before).toBeGreaterThan(0);
      try {
        // Lowered only while this relay opens its channel; the broker's other channels keep their limit.
        await maxMessageSize.set(8_192);
        const { outcome, state, attempts } = await relayOne("oversize", exchange, { padding: "x".repeat(20_000) });
        await maxMessageSize.set(before);
        expect(outcome).toMatchObject({ delivered: 0, failed: 1 });
        expect(state.subscription.lastError).toMatch(
          /^RabbitMQ refused a message of \d+ bytes: its max_message_size is 8192 bytes\. Raise max_message_size/,
        );
        expect(attempts[0]!.error).toBe(state.subscription.lastError);
      } finally {
        await maxMessageSize.set(before);
        await channel.deleteQueue(queue).catch(() => {});
        await channel.deleteExchange(exchange).catch(() => {});
      }
    },
  );

  it("keeps hostile inbound messages among the refusals with their reasons, one JSON log line each", async () => {
    const queue = `spark.refused.${run}.hostile`;
    await channel.assertQueue(queue, { durable: false });
    const out = new PassThrough();
    let written = "";
    out.on("data", (c) => (written += String(c)));
    const log = createLogger({ info: out, error: out });
    const d = { ...deps(), log };
    const created = await createInbound(d, {
      input: { name: `hostile ${run}`, kind: "rabbitmq", url: RABBIT, config: { queue } },
      by: null,
    });
    if (created.status !== "ok") throw new Error(created.message);
    const forged = '{"level":"error","msg":"forged"}';
    const hostile: [string, Buffer, amqplib.Options.Publish?][] = [
      ["huge", Buffer.alloc(1024 * 1024 + 1, 0x20)],
      ["surrogate", Buffer.from('{"group":"hostile","key":"k","context":{"a":"\\ud800"}}')],
      ["control", Buffer.from(JSON.stringify({ group: "hostile\u0001", key: "k2" }))],
      [
        "forged",
        Buffer.from(JSON.stringify({ group: "hostile", key: `k3\n${forged}` })),
        { messageId: `m\n${forged}` },
      ],
      ["bad json", Buffer.from('{"group": "hostile", ')],
    ];
    for (const [, body, options] of hostile) channel.sendToQueue(queue, body, options ?? {});
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ group: "hostile", key: `fine:${run}` })));
    const opened = connectorFor(d, created.inbound);
    if (!opened.ok) throw new Error(opened.error);
    const stop = new AbortController();
    const consuming = runInbound(d, { inbound: created.inbound, connector: opened.connector, signal: stop.signal });
    try {
      for (let i = 0; i < 300; i++) {
        const now = await findInbound(d, { id: created.inbound.id });
        if (now && now.received >= hostile.length + 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      stop.abort();
      await consuming;
      await channel.deleteQueue(queue).catch(() => {});
    }
    const inbound = (await findInbound(d, { id: created.inbound.id }))!;
    expect(inbound).toMatchObject({ received: 6, recorded: 1, rejected: 5 });
    const reasons = (await listInboundRejections(d, { id: inbound.id })).map((r) => r.reason);
    expect(reasons).toHaveLength(5);
    expect(reasons.some((r) => r.startsWith("The message is 1048577 bytes"))).toBe(true);
    expect(reasons.some((r) => /surrogate/i.test(r))).toBe(true);
    expect(reasons.some((r) => /not JSON/.test(r))).toBe(true);
    // Each log line is one JSON object: no value, however hostile, starts a line of its own.
    const lines = written.trim().split("\n");
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.filter((l) => l.msg === "inbound message rejected")).toHaveLength(5);
    expect(parsed.some((l) => l.msg === "forged")).toBe(false);
    expect(parsed.find((l) => String(l.messageId).startsWith("m\n"))?.messageId).toBe(`m\n${forged}`);
  });
});
