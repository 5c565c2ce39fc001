import amqplib from "amqplib";
import { connect as natsConnect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { rowsOf } from "@/db/rows";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { testConnections } from "@/testing/connections";
import { countBacklog, findSubscriptionById } from "@/db/queries/subscriptions";
import { runSubscription, runSubscriptions } from "../subscriptions/dispatch";
import { createSubscription, updateSubscription } from "../subscriptions/subscriptions";
import { closeRelays } from "./relays";
import { startInbounds } from "@/runtime/inbounds";
import { createInbound, findInboundByName, listInboundRejections } from "../inbound/inbounds";

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
const NATS = "nats://127.0.0.1:4222";
const SECRET_KEY = "brokers test key, long enough for SPARK_SECRET_KEY";
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function reachable(): Promise<boolean> {
  try {
    const rabbit = await amqplib.connect(RABBIT);
    await rabbit.close();
    const nats = await natsConnect({ servers: NATS, timeout: 2000 });
    await nats.close();
    return true;
  } catch {
    return false;
  }
}

// The broker kinds end to end, through Spark's subscriptions, against the real RabbitMQ and
// NATS servers, read and written by plain clients in the test (not Spark's drivers).
describe.skipIf(!(await reachable()))(`broker relays through subscriptions on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await closeRelays();
    await database?.close();
  });
  const deps = () =>
    testDeps(database, {
      connections: testConnections(database, { secretKey: SECRET_KEY }),
    });
  const record = async (group: string, keys: string[]) =>
    insertNewEvents(database.db, {
      events: keys.map((key) => ({ group, key, context: { key }, generatorId: null, source: null })),
      jobRunId: null,
    });

  it("relays events to a RabbitMQ queue with message ids and confirms, and keeps the password sealed", async () => {
    const connection = await amqplib.connect(RABBIT);
    const channel = await connection.createChannel();
    const exchange = `spark.test.${run}`;
    const queue = `spark.test.relay.${run}`;
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: true });
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    await channel.bindQueue(queue, exchange, "relay.#");
    try {
      const created = await createSubscription(deps(), {
        input: {
          name: `rabbit ${run}`,
          kind: "rabbitmq",
          groups: "relay.*",
          target: RABBIT,
          config: { exchange },
          from: "now",
        },
        by: null,
      });
      if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
      expect(created.subscription.target).not.toContain("guest:guest");
      expect(created.subscription.secretSealed).not.toContain("guest");
      const keys = Array.from({ length: 20 }, (_, i) => `relay:${run}:${i}`);
      await record("relay.created", keys);
      expect(await runSubscription(deps(), { id: created.subscription.id, holder: "t" })).toMatchObject({
        delivered: 20,
      });
      const got: { id: string; type: string; key: string }[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) break;
        const body = JSON.parse(message.content.toString()) as { data: { key: string } };
        got.push({
          id: String(message.properties.messageId),
          type: String(message.properties.type),
          key: body.data.key,
        });
      }
      expect(got.map((g) => g.id)).toEqual(keys);
      expect(got.every((g) => g.type === "relay.created" && g.id === g.key)).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it("edits a RabbitMQ relay in place: a URL typed without its password keeps the sealed one, and the next events take the new routing key", async () => {
    const connection = await amqplib.connect(RABBIT);
    const channel = await connection.createChannel();
    const exchange = `spark.test.edit.${run}`;
    const queue = `spark.test.edited.${run}`;
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: true });
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    await channel.bindQueue(queue, exchange, "moved.#");
    try {
      const created = await createSubscription(deps(), {
        input: { name: `rabbit edit ${run}`, kind: "rabbitmq", groups: "edit.*", target: RABBIT, config: { exchange } },
        by: null,
      });
      if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
      const { id } = created.subscription;
      const common = { name: `rabbit edit ${run}`, groups: "edit.*", strictOrder: false, attemptLimit: 8 };
      // A wrong password typed anew is checked against the broker, and refused.
      expect(
        await updateSubscription(deps(), {
          id,
          version: 1,
          input: { ...common, target: "amqp://guest:wrong@127.0.0.1:5672/", config: { exchange } },
          by: null,
        }),
      ).toMatchObject({ status: "invalid", fieldErrors: { target: [expect.any(String)] } });
      // The stored password goes only to the broker and user it was saved for.
      for (const elsewhere of ["amqp://guest@localhost:5672/", "amqp://other@127.0.0.1:5672/"])
        expect(
          await updateSubscription(deps(), {
            id,
            version: 1,
            input: { ...common, target: elsewhere, config: { exchange } },
            by: null,
          }),
        ).toEqual({
          status: "invalid",
          fieldErrors: {
            password: [
              "Enter the password again: the stored one is only sent to the broker and user it was saved for.",
            ],
          },
        });
      const saved = await updateSubscription(deps(), {
        id,
        version: 1,
        input: {
          ...common,
          target: "amqp://guest@127.0.0.1:5672/",
          config: { exchange, routingKey: "moved.{group}" },
        },
        by: null,
      });
      if (saved.status !== "ok") throw new Error(JSON.stringify(saved));
      expect(saved.subscription.secretSealed).toBe(created.subscription.secretSealed);
      expect(saved.subscription.config).toEqual({ exchange, routingKey: "moved.{group}" });
      const keys = [`edit:${run}:1`, `edit:${run}:2`];
      await record("edit.moved", keys);
      expect(await runSubscription(deps(), { id, holder: "t" })).toMatchObject({ delivered: 2 });
      const got: string[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) break;
        got.push(`${message.fields.routingKey} ${String(message.properties.messageId)}`);
      }
      expect(got).toEqual(keys.map((key) => `moved.edit.moved ${key}`));
    } finally {
      await connection.close();
    }
  });

  it("waits at the first event while RabbitMQ cannot take any, spending no attempts, then relays all in order", async () => {
    const connection = await amqplib.connect(RABBIT);
    const channel = await connection.createChannel();
    const exchange = `spark.test.wait.${run}`;
    const queue = `spark.test.waited.${run}`;
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    await channel.bindQueue(queue, exchange, "#");
    try {
      const created = await createSubscription(deps(), {
        input: { name: `rabbit wait ${run}`, kind: "rabbitmq", groups: "wait.*", target: RABBIT, config: { exchange } },
        by: null,
      });
      if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
      const { id } = created.subscription;
      const keys = Array.from({ length: 150 }, (_, i) => `wait:${run}:${i}`);
      await record("wait.made", keys.slice(0, 10));
      expect(await runSubscription(deps(), { id, holder: "t" })).toMatchObject({ delivered: 10 });
      // The exchange goes away: not any event's fault, so nothing is failed past or parked.
      await channel.deleteExchange(exchange);
      await record("wait.made", keys.slice(10));
      const stuck = await runSubscription(deps(), { id, holder: "t" });
      expect(stuck).toMatchObject({ status: "waiting", delivered: 0, failed: 0, parked: 0 });
      expect(await countBacklog(database.db, { subscriptionId: id })).toEqual({ waiting: 0, parked: 0 });
      expect((await findSubscriptionById(database.db, { id }))!.lastError).toContain(
        `There is no exchange "${exchange}"`,
      );
      // Through the dispatcher's rounds: one that finds it down leaves it be for a moment, so a stream of
      // new events does not make round after round re-read its page only to fail again.
      const attemptsOf = async () =>
        (await database.db.query.subscriptionAttempts.findMany({ where: (a, { eq }) => eq(a.subscriptionId, id) }))
          .length;
      expect((await runSubscriptions(deps(), { holder: "t" }))[id]).toMatchObject({
        status: "waiting",
        unreachable: true,
      });
      const tried = await attemptsOf();
      expect((await runSubscriptions(deps(), { holder: "t" }))[id]).toMatchObject({
        status: "waiting",
        unreachable: true,
      });
      expect(await attemptsOf()).toBe(tried);
      // Back: the rest go out in commit order, 140 with several awaiting their confirms at once.
      await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
      await channel.bindQueue(queue, exchange, "#");
      expect(await runSubscription(deps(), { id, holder: "t" })).toMatchObject({ delivered: 140, failed: 0 });
      const got: string[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) break;
        got.push(String(message.properties.messageId));
      }
      expect(got).toEqual(keys);
    } finally {
      await channel.deleteQueue(queue).catch(() => {});
      await channel.deleteExchange(exchange).catch(() => {});
      await connection.close();
    }
  });

  it("turns a RabbitMQ queue's messages into events in the server: duplicates acknowledged, malformed ones refused with their reason", async () => {
    const connection = await amqplib.connect(RABBIT);
    const channel = await connection.createChannel();
    const queue = `spark.test.inbound.${run}`;
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    const d = deps();
    const created = await createInbound(d, {
      input: { name: `rabbit-in-${run}`, kind: "rabbitmq", url: RABBIT, config: { queue } },
      by: null,
    });
    if (created.status !== "ok") throw new Error(created.message);
    expect(created.inbound.target).not.toContain("guest:guest");
    const consumers = startInbounds({ deps: d, everyMs: 200 });
    try {
      for (let i = 0; i < 300; i++)
        channel.sendToQueue(queue, Buffer.from(JSON.stringify({ group: "rabbit.in", key: `rin:${run}:${i % 290}` })));
      for (let i = 0; i < 5; i++) channel.sendToQueue(queue, Buffer.from("{not json"));
      await vi.waitFor(
        async () =>
          expect(await findInboundByName(d, { name: `rabbit-in-${run}` })).toMatchObject({
            received: 305,
            recorded: 290,
            duplicates: 10,
            rejected: 5,
          }),
        { timeout: 30_000, interval: 100 },
      );
    } finally {
      await consumers.stop();
      await channel.deleteQueue(queue);
      await connection.close();
    }
    const [row] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from events where event_group = 'rabbit.in'`),
    );
    expect(row!.n).toBe(290);
    const rejections = await listInboundRejections(d, { id: created.inbound.id });
    expect(rejections).toHaveLength(5);
    expect(rejections[0]!.reason).toContain("not JSON");
  }, 60_000);

  it("relays events to a JetStream stream with Nats-Msg-Id, and an inbound reads a durable consumer into events", async () => {
    const nc = await natsConnect({ servers: NATS });
    const jsm = await jetstreamManager(nc);
    const stream = `SPARK_TEST_${run.toUpperCase()}`;
    await jsm.streams.add({ name: stream, subjects: [`spark.${run}.>`] });
    try {
      const created = await createSubscription(deps(), {
        input: {
          name: `nats ${run}`,
          kind: "nats",
          groups: "natsrelay.*",
          target: NATS,
          config: { subject: `spark.${run}.{group}` },
          from: "now",
        },
        by: null,
      });
      if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
      const keys = Array.from({ length: 10 }, (_, i) => `nr:${run}:${i}`);
      await record("natsrelay.done", keys);
      expect(await runSubscription(deps(), { id: created.subscription.id, holder: "t" })).toMatchObject({
        delivered: 10,
      });
      const info = await jsm.streams.info(stream);
      expect(info.state.messages).toBe(10);
      const first = await jsm.streams.getMessage(stream, { seq: 1 });
      expect(first?.header?.get("Nats-Msg-Id")).toBe(keys[0]);

      // The same stream read back by an inbound in the server: the relayed events are duplicates of
      // themselves, and a message published straight to the subject becomes an event.
      await jsm.consumers.add(stream, { durable_name: `in_${run}`, ack_policy: "explicit" as never });
      await jetstream(nc).publish(`spark.${run}.natsin`, JSON.stringify({ hello: "there" }), {
        msgID: `natsin:${run}:1`,
      });
      const d = deps();
      const inbound = await createInbound(d, {
        input: { name: `nats-in-${run}`, kind: "nats", url: NATS, config: { stream, consumer: `in_${run}` } },
        by: null,
      });
      if (inbound.status !== "ok") throw new Error(inbound.message);
      const consumers = startInbounds({ deps: d, everyMs: 200 });
      try {
        await vi.waitFor(
          async () =>
            expect(await findInboundByName(d, { name: `nats-in-${run}` })).toMatchObject({
              received: 11,
              recorded: 1,
              duplicates: 10,
            }),
          { timeout: 30_000, interval: 100 },
        );
      } finally {
        await consumers.stop();
      }
      const [row] = rowsOf<{ group: string; context: unknown }>(
        await database.db.execute(
          sql`select event_group as group, context from events where key = ${`natsin:${run}:1`}`,
        ),
      );
      expect(row).toMatchObject({ group: `spark.${run}.natsin`, context: { hello: "there" } });
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    }
  }, 90_000);
});
