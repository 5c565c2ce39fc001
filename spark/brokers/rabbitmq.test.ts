import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { promisify } from "node:util";
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { RABBIT_MAX_INBOUND_BYTES, rabbitmqDriver } from "./rabbitmq";
import type { BrokerAddress, InboundDelivery } from "./types";

const run = promisify(execFile);

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(2000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

const rabbitUp = await reachable(5672);
const stompUp = rabbitUp && (await reachable(61613));
if (!rabbitUp)
  process.stderr.write(
    "rabbitmq.test.ts: RabbitMQ does not answer on 127.0.0.1:5672; start it (rabbitmq-server -detached).\n",
  );
if (rabbitUp && !stompUp)
  process.stderr.write(
    "rabbitmq.test.ts: the STOMP test needs rabbitmq_stomp (rabbitmq-plugins enable rabbitmq_stomp).\n",
  );
// The broker tests touch no database, so one driver's run is enough, and two runs would fight over
// the broker restart.
const skip = !rabbitUp || process.env.SPARK_TEST_DRIVER === "postgres";

const runId = randomBytes(4).toString("hex");
const user = `spark_test_${runId}`;
// Characters that must be percent-encoded in a URL, so the test also proves the decoding.
const password = `Pw/${runId}@:%#?&x`;
const url = `amqp://${user}:${encodeURIComponent(password)}@127.0.0.1:5672/%2F`;
const errors: string[] = [];
const seen = (message: string | null) => {
  if (message !== null) errors.push(message);
  return message;
};

function eventOf(i: number, extra: Partial<PublishedEvent> = {}): PublishedEvent {
  return {
    id: i,
    group: "order.placed",
    key: `order:${runId}:${i}`,
    context: { i, title: `Order ${i}` },
    createdAt: new Date(Date.UTC(2026, 11, 4, 12, 0, i % 60)),
    source: null,
    aggregate: i % 2 === 0 ? { type: "order", id: `${i}`, version: 1 } : null,
    position: { tx: "1", id: i },
    ...extra,
  };
}

describe("parseUrl", () => {
  const parse = (input: string) => rabbitmqDriver.parseUrl(input);

  it("keeps the user and the decoded vhost, and hands the decoded password apart", () => {
    expect(parse("amqp://app:p%40ss%2Fw%3Ard@Rabbit.Example.com:5673/prod%2Fa")).toEqual({
      ok: true,
      address: { url: "amqp://app@rabbit.example.com:5673/prod%2Fa", password: "p@ss/w:rd" },
    });
    expect(parse("amqps://app:secret@rabbit.example.com")).toEqual({
      ok: true,
      address: { url: "amqps://app@rabbit.example.com:5671/%2F", password: "secret" },
    });
    expect(parse("amqp://localhost")).toEqual({
      ok: true,
      address: { url: "amqp://localhost:5672/%2F", password: null },
    });
    expect(parse("AMQP://u%C3%A9:x@[::1]:5672/")).toEqual({
      ok: true,
      address: { url: "amqp://u%C3%A9@[::1]:5672/%2F", password: "x" },
    });
  });

  it.each([
    ["http://user:hunter22@rabbit:5672/", "amqp://"],
    ["amqp://:hunter22@rabbit/", "no user"],
    ["amqp://user:hunter22@/vhost", "no host"],
    ["amqp://user:hunter22@rabbit@evil.example/", 'more than one "@"'],
    ["amqp://user:hunter22@rabbit:99999/", "port"],
    ["amqp://user:hunter22@rabbit:/", "port"],
    ["amqp://user:hunter22@rabbit/a/b", "one path segment"],
    ["amqp://user@rabbit/?password=hunter22", "query"],
    ["amqp://user@rabbit/#hunter22", "query or fragment"],
    ["amqp://user:hun%zzter22@rabbit/", "percent-escape"],
    ["amqp://user:hun%C3ter22@rabbit/", "percent-escape"],
    ["amqp://us\ter:hunter22@rabbit/", "characters"],
    ["amqp://user:hunter22@rab\\bit/", "host"],
    ["amqp://user:hunter 22@rabbit/", "characters"],
    ["amqp://us%0Aer:hunter22@rabbit/", "control"],
    ["amqp://user:hunter22@under_score.example/", "host"],
  ])("refuses %s and does not repeat it", (input, reason) => {
    const result = parse(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(reason);
    expect(result.message).not.toContain("hunter");
  });
});

describe("relay config", () => {
  const schema = rabbitmqDriver.relayConfigSchema;
  it("defaults to amq.topic and accepts the three placeholders", () => {
    expect(schema.parse({})).toEqual({ exchange: "amq.topic" });
    expect(schema.safeParse({ routingKey: "spark.{group}.{aggregateType}.{key}" }).success).toBe(true);
  });
  it.each(["{user}", "a.*", "a.#", "{group", "a b", "{Group}"])("refuses the template %s", (routingKey) => {
    expect(schema.safeParse({ routingKey }).success).toBe(false);
  });
  it("refuses the default exchange and bounds the prefetch", () => {
    expect(schema.safeParse({ exchange: "" }).success).toBe(false);
    expect(rabbitmqDriver.inboundConfigSchema.parse({ queue: "q" })).toEqual({ queue: "q", prefetch: 100 });
    expect(rabbitmqDriver.inboundConfigSchema.safeParse({ queue: "q", prefetch: 0 }).success).toBe(false);
    expect(rabbitmqDriver.inboundConfigSchema.safeParse({ queue: "q", prefetch: 1001 }).success).toBe(false);
  });
});

describe.skipIf(skip)("against RabbitMQ on 127.0.0.1:5672", () => {
  let address: BrokerAddress;
  let admin: ChannelModel;
  let channel: Channel;
  const exchanges: string[] = [];
  const queues: string[] = [];

  const exchange = async (name: string) => {
    const full = `spark.test.${runId}.${name}`;
    await channel.assertExchange(full, "topic", { durable: true });
    exchanges.push(full);
    return full;
  };
  const queue = async (name: string, options: amqp.Options.AssertQueue = {}) => {
    const full = `spark.test.${runId}.${name}`;
    await channel.assertQueue(full, { durable: true, ...options });
    queues.push(full);
    return full;
  };
  /** A plain amqplib consumer, not Spark's, collecting what arrives. */
  const collect = async (name: string) => {
    const received: ConsumeMessage[] = [];
    await channel.consume(name, (m) => {
      if (m) {
        received.push(m);
        channel.ack(m);
      }
    });
    return received;
  };
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!check()) throw new Error(`Timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    await run("rabbitmqctl", ["add_user", user, password]);
    await run("rabbitmqctl", ["set_permissions", "-p", "/", user, ".*", ".*", ".*"]);
    const parsed = rabbitmqDriver.parseUrl(url);
    if (!parsed.ok) throw new Error(parsed.message);
    address = parsed.address;
    expect(address.password).toBe(password);
    admin = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
    admin.on("error", () => {});
    channel = await admin.createChannel();
  }, 60_000);

  afterAll(async () => {
    const cleanup = await amqp.connect("amqp://guest:guest@127.0.0.1:5672").catch(() => null);
    if (cleanup) {
      const ch = await cleanup.createChannel();
      for (const q of queues) await ch.deleteQueue(q).catch(() => {});
      for (const e of exchanges) await ch.deleteExchange(e).catch(() => {});
      await cleanup.close().catch(() => {});
    }
    await admin?.close().catch(() => {});
    await run("rabbitmqctl", ["delete_user", user]).catch(() => {});
    for (const message of errors) {
      expect(message).not.toContain(password);
      expect(message).not.toContain(encodeURIComponent(password));
    }
  }, 60_000);

  it("relays each event once, as a persistent JSON message with the key, group, time and aggregate", async () => {
    const ex = await exchange("relay");
    const q = await queue("relay");
    await channel.bindQueue(q, ex, "order.#");
    const received = await collect(q);
    const relay = rabbitmqDriver.relay(address, { exchange: ex });
    for (let i = 0; i < 20; i++) expect(await relay.publish(eventOf(i), {})).toEqual({ ok: true });
    await relay.close();
    await until(() => received.length >= 20, "20 messages");
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(20);
    received.forEach((m, i) => {
      const event = eventOf(i);
      expect(m.fields.routingKey).toBe("order.placed");
      expect(m.properties.messageId).toBe(event.key);
      expect(m.properties.type).toBe("order.placed");
      expect(m.properties.contentType).toBe("application/json");
      expect(m.properties.deliveryMode).toBe(2);
      expect(m.properties.timestamp).toBe(Math.floor(event.createdAt.getTime() / 1000));
      expect(JSON.parse(m.content.toString())).toEqual({
        type: "order.placed",
        timestamp: event.createdAt.toISOString(),
        data: {
          key: event.key,
          group: "order.placed",
          context: event.context,
          ...(event.aggregate ? { aggregate: { type: "order", id: `${i}` }, version: 1 } : {}),
        },
      });
      if (event.aggregate)
        expect(m.properties.headers).toMatchObject({
          "spark-aggregate-type": "order",
          "spark-aggregate-id": `${i}`,
          "spark-version": 1,
        });
      else expect(m.properties.headers?.["spark-aggregate-type"]).toBeUndefined();
      expect(m.properties.headers?.["spark-msg-id"]).toBe(event.key);
    });
  });

  it("lets the confirms of messages already published arrive when stopped, so none is sent again", async () => {
    const ex = await exchange("stop");
    const q = await queue("stop");
    await channel.bindQueue(q, ex, "#");
    const received = await collect(q);
    const relay = rabbitmqDriver.relay(address, { exchange: ex });
    expect(await relay.publish(eventOf(0), {})).toEqual({ ok: true });
    const stop = new AbortController();
    const publishes = Array.from({ length: 200 }, (_, i) => relay.publish(eventOf(i + 1), { signal: stop.signal }));
    // The stop comes once all 200 are on their way, before any confirm could have arrived.
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await Promise.all(publishes)).toEqual(Array.from({ length: 200 }, () => ({ ok: true })));
    expect(await relay.publish(eventOf(999), { signal: stop.signal })).toMatchObject({ ok: false });
    await relay.close();
    await until(() => received.length >= 201, "201 messages");
  });

  it("builds the routing key from the template, and fails an event that cannot fill it", async () => {
    const ex = await exchange("template");
    const q = await queue("template");
    await channel.bindQueue(q, ex, "spark.#");
    const received = await collect(q);
    const relay = rabbitmqDriver.relay(address, { exchange: ex, routingKey: "spark.{aggregateType}.{group}.{key}" });
    expect(await relay.publish(eventOf(0), {})).toEqual({ ok: true });
    const missing = await relay.publish(eventOf(1), {});
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(seen(missing.error)).toContain("{aggregateType}");
    await relay.close();
    await until(() => received.length === 1, "the templated message");
    expect(received[0]!.fields.routingKey).toBe(`spark.order.order.placed.order:${runId}:0`);
  });

  it("fails an unroutable message instead of dropping it, and a key too long for message_id", async () => {
    const ex = await exchange("unroutable");
    const relay = rabbitmqDriver.relay(address, { exchange: ex });
    const result = await relay.publish(eventOf(0), {});
    expect(result).toEqual({
      ok: false,
      error: `No queue is bound to ${ex} for routing key order.placed; RabbitMQ returned the message.`,
    });
    const long = await relay.publish(eventOf(1, { key: "é".repeat(200) }), {});
    expect(long.ok).toBe(false);
    if (!long.ok) expect(seen(long.error)).toContain("255 bytes");
    // The channel survives both.
    const q = await queue("unroutable");
    await channel.bindQueue(q, ex, "#");
    expect(await relay.publish(eventOf(2), {})).toEqual({ ok: true });
    await relay.close();
  });

  it("fails only the event whose routing key a topic permission refuses, and goes on with the next", async () => {
    const ex = await exchange("topics");
    const q = await queue("topics");
    await channel.bindQueue(q, ex, "#");
    await run("rabbitmqctl", ["set_topic_permissions", "-p", "/", user, ex, "^order\\.placed$", ".*"]);
    try {
      const relay = rabbitmqDriver.relay(address, { exchange: ex });
      const refused = await relay.publish(eventOf(1, { group: "order.secret" }), {});
      expect(refused).toEqual({
        ok: false,
        error: expect.stringMatching(/^RabbitMQ refused the routing key "order\.secret" to exchange/),
      });
      expect(await relay.publish(eventOf(2), {})).toEqual({ ok: true });
      await relay.close();
    } finally {
      await run("rabbitmqctl", ["clear_topic_permissions", "-p", "/", user]);
    }
  });

  it("says why when the exchange is deleted under it, and holds one connection however often it reopens", async () => {
    const ex = await exchange("deleted");
    const q = await queue("deleted");
    await channel.bindQueue(q, ex, "#");
    const relay = rabbitmqDriver.relay(address, { exchange: ex });
    expect(await relay.publish(eventOf(0), {})).toEqual({ ok: true });
    await channel.deleteExchange(ex);
    for (let i = 1; i <= 3; i++)
      // Not the event's fault: the subscription waits at it instead of failing every event in turn.
      expect(await relay.publish(eventOf(i), {})).toEqual({
        ok: false,
        error: `There is no exchange "${ex}" in vhost "/"; declare it in RabbitMQ, or use amq.topic.`,
        unavailable: true,
        attempted: true,
      });
    await channel.assertExchange(ex, "topic", { durable: true });
    await channel.bindQueue(q, ex, "#");
    expect(await relay.publish(eventOf(4), {})).toEqual({ ok: true });
    const { stdout } = await run("rabbitmqctl", ["list_connections", "user", "--quiet", "--no-table-headers"]);
    expect(stdout.split("\n").filter((line) => line.trim() === user)).toHaveLength(1);
    await relay.close();
  });

  it("checks that the exchange or queue exists, the login and the host, in one line without the password", async () => {
    const ex = await exchange("check");
    const q = await queue("check");
    expect(await rabbitmqDriver.check(address, { exchange: ex }, "relay")).toBeNull();
    expect(await rabbitmqDriver.check(address, { queue: q, prefetch: 10 }, "inbound")).toBeNull();
    expect(seen(await rabbitmqDriver.check(address, { exchange: `${ex}.missing` }, "relay"))).toBe(
      `There is no exchange "${ex}.missing" in vhost "/"; declare it in RabbitMQ, or use amq.topic.`,
    );
    expect(seen(await rabbitmqDriver.check(address, { queue: `${q}.missing`, prefetch: 10 }, "inbound"))).toContain(
      `There is no queue "${q}.missing"`,
    );
    const wrong = { url: address.url, password: `${password}-wrong` };
    expect(seen(await rabbitmqDriver.check(wrong, { exchange: ex }, "relay"))).toContain(
      `refused user ${user}'s login; check the user and password`,
    );
    const vhost = rabbitmqDriver.parseUrl(`amqp://${user}:x@127.0.0.1:5672/nowhere-${runId}`);
    if (!vhost.ok) throw new Error(vhost.message);
    expect(seen(await rabbitmqDriver.check({ ...vhost.address, password }, { exchange: ex }, "relay"))).toContain(
      `may not open vhost "nowhere-${runId}"`,
    );
    const closedPort = rabbitmqDriver.parseUrl(`amqp://${user}:x@127.0.0.1:1/`);
    if (!closedPort.ok) throw new Error(closedPort.message);
    expect(seen(await rabbitmqDriver.check({ ...closedPort.address, password }, { exchange: ex }, "relay"))).toContain(
      "refused the connection",
    );
    for (const message of errors) expect(message.split("\n")).toHaveLength(1);
  });

  it("fails the publishes made while RabbitMQ is stopped, and publishes again once it is back, on the same relay", async () => {
    const ex = await exchange("restart");
    const q = await queue("restart");
    await channel.bindQueue(q, ex, "#");
    const relay = rabbitmqDriver.relay(address, { exchange: ex });
    const confirmed = new Set<string>();
    const failed: string[] = [];
    const publish = async (i: number) => {
      const result = await relay.publish(eventOf(i), {});
      if (result.ok) confirmed.add(eventOf(i).key);
      else failed.push(seen(result.error)!);
      return result.ok;
    };
    for (let i = 0; i < 10; i++) expect(await publish(i)).toBe(true);

    await run("rabbitmqctl", ["stop_app"]);
    try {
      for (let i = 10; i < 15; i++) expect(await publish(i)).toBe(false);
    } finally {
      await run("rabbitmqctl", ["start_app"]);
    }
    expect(failed.length).toBe(5);
    // The dispatcher's part: each failed event is published again until the broker confirms it.
    for (let i = 10; i < 20; i++) {
      let attempts = 0;
      while (!(await publish(i))) {
        if (++attempts > 60) throw new Error(`event ${i} was never confirmed: ${failed.at(-1)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await relay.close();

    const after = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
    const ch = await after.createChannel();
    const keys = new Set<string>();
    for (;;) {
      const m = await ch.get(q, { noAck: true });
      if (!m) break;
      keys.add(String(m.properties.messageId));
    }
    await after.close();
    expect([...keys].sort()).toEqual(Array.from({ length: 20 }, (_, i) => eventOf(i).key).sort());
    // The admin connection died with the broker; the later tests need a new one.
    admin = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
    admin.on("error", () => {});
    channel = await admin.createChannel();
  }, 60_000);

  it("fails a publish whose connection is closed under it, then reconnects by itself", async () => {
    const ex = await exchange("dropped");
    const q = await queue("dropped");
    await channel.bindQueue(q, ex, "#");
    const relay = rabbitmqDriver.relay(address, { exchange: ex });
    expect(await relay.publish(eventOf(0), {})).toEqual({ ok: true });
    await run("rabbitmqctl", ["close_all_connections", "test fault"]);
    await new Promise((r) => setTimeout(r, 300));
    let result = await relay.publish(eventOf(1), {});
    for (let i = 0; !result.ok && i < 20; i++) {
      seen(result.error);
      await new Promise((r) => setTimeout(r, 500));
      result = await relay.publish(eventOf(1), {});
    }
    expect(result).toEqual({ ok: true });
    await relay.close();
    admin = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
    admin.on("error", () => {});
    channel = await admin.createChannel();
  });

  it.skipIf(!stompUp)("reaches a STOMP subscriber of /topic/<routing key> through amq.topic", async () => {
    const route = `spark-${runId}.order.placed`;
    const stomp = await stompSubscribe(`/topic/${route}`);
    try {
      const relay = rabbitmqDriver.relay(address, { exchange: "amq.topic", routingKey: `spark-${runId}.{group}` });
      expect(await relay.publish(eventOf(3), {})).toEqual({ ok: true });
      await relay.close();
      const frame = await stomp.next();
      expect(frame.command).toBe("MESSAGE");
      expect(frame.headers["message-id"]).toBeDefined();
      expect(frame.headers["content-type"]).toBe("application/json");
      expect(frame.headers["amqp-message-id"]).toBe(eventOf(3).key);
      // What django-outbox-pattern de-duplicates on.
      expect(frame.headers["spark-msg-id"]).toBe(eventOf(3).key);
      expect(frame.headers["spark-aggregate-type"]).toBeUndefined();
      expect(JSON.parse(frame.body).data.key).toBe(eventOf(3).key);
    } finally {
      stomp.close();
    }
  });

  it("hands each queued message on in order, and acks, dead-letters and redelivers as told", async () => {
    const dlx = await exchange("dlx");
    const dead = await queue("dead");
    await channel.bindQueue(dead, dlx, "#");
    const q = await queue("inbound", { deadLetterExchange: dlx });
    const sent: { i: number; kind: "json" | "routed" | "bad" }[] = [];
    for (let i = 0; i < 200; i++) {
      const kind = i % 10 === 7 ? "bad" : i % 2 === 0 ? "json" : "routed";
      sent.push({ i, kind });
      const body =
        kind === "json"
          ? Buffer.from(JSON.stringify({ group: "inbound.test", key: `in:${i}`, context: { i } }))
          : kind === "bad"
            ? Buffer.from(`{not json ${i}`)
            : Buffer.from("");
      channel.sendToQueue(
        q,
        body,
        kind === "routed" ? { messageId: `in:${i}`, headers: { i, odd: [1, { x: null }] } } : {},
      );
    }
    // A message over the size limit is handed on whole, for the inbound to refuse and keep with its
    // reason; one with odd properties reaches onMessage without an id.
    channel.sendToQueue(q, Buffer.alloc(RABBIT_MAX_INBOUND_BYTES + 1, 0x20), { messageId: "huge" });
    channel.sendToQueue(q, Buffer.from("{}"), {
      messageId: "",
      type: "x".repeat(255),
      headers: { "x-spark": Buffer.alloc(3) },
    });

    const handed: { index: number | null; routingKey: string | null; messageId: string | null }[] = [];
    let retriedOnce = false;
    const controller = new AbortController();
    const connector = rabbitmqDriver.connector(address, { queue: q, prefetch: 20 });
    const done = connector.consume(async (delivery: InboundDelivery) => {
      const text = delivery.body.toString();
      let index: number | null = null;
      let valid = true;
      if (delivery.messageId?.startsWith("in:")) index = Number(delivery.messageId.slice(3));
      else {
        try {
          const parsed = JSON.parse(text) as { key?: string };
          index = parsed.key ? Number(parsed.key.slice(3)) : null;
        } catch {
          valid = false;
          index = Number(/\d+/.exec(text)?.[0]);
        }
      }
      if (delivery.messageId === "huge") {
        expect(delivery.body.byteLength).toBe(RABBIT_MAX_INBOUND_BYTES + 1);
        return delivery.reject("too large");
      }
      handed.push({ index, routingKey: delivery.routingKey, messageId: delivery.messageId });
      if (index === 50 && !retriedOnce) {
        retriedOnce = true;
        return delivery.retry();
      }
      if (!valid) return delivery.reject("not JSON");
      await delivery.ack();
      if (handed.length >= 202) controller.abort();
    }, controller.signal);
    await done;

    const order = handed.map((h) => h.index);
    const expected = [
      ...Array.from({ length: 51 }, (_, i) => i),
      ...Array.from({ length: 150 }, (_, i) => i + 50),
      null,
    ];
    expect(order).toEqual(expected);
    for (const h of handed.filter((h) => h.index !== null)) {
      expect(h.routingKey).toBe(q);
      expect(h.messageId).toBe(sent[h.index!]!.kind === "routed" ? `in:${h.index}` : null);
    }
    expect(handed.at(-1)!.messageId).toBeNull();

    const check = await channel.checkQueue(q);
    expect(check.messageCount).toBe(0);
    const deadMessages: string[] = [];
    for (;;) {
      const m = await channel.get(dead, { noAck: true });
      if (!m) break;
      deadMessages.push(m.properties.messageId === "huge" ? "huge" : m.content.toString());
    }
    expect(deadMessages.sort()).toEqual(
      ["huge", ...sent.filter((s) => s.kind === "bad").map((s) => `{not json ${s.i}`)].sort(),
    );
  });

  it("consumes on after its connection is closed under it, losing nothing", async () => {
    const q = await queue("reconnect");
    for (let i = 0; i < 40; i++) channel.sendToQueue(q, Buffer.from("{}"), { messageId: `r${i}` });
    const handed: string[] = [];
    const controller = new AbortController();
    const done = rabbitmqDriver.connector(address, { queue: q, prefetch: 5 }).consume(async (delivery) => {
      handed.push(delivery.messageId!);
      if (handed.length === 10) {
        // The fault lands while this message is handed on but not yet acked.
        await run("rabbitmqctl", ["close_all_connections", "test fault"]);
        await new Promise((r) => setTimeout(r, 200));
      }
      await delivery.ack();
      if (new Set(handed).size === 40) controller.abort();
    }, controller.signal);
    await done;
    expect([...new Set(handed)].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`).sort());
    // Only what was unacked when the connection died comes again.
    expect(handed.length - 40).toBeLessThanOrEqual(5);
    admin = await amqp.connect("amqp://guest:guest@127.0.0.1:5672");
    admin.on("error", () => {});
    channel = await admin.createChannel();
    expect((await channel.checkQueue(q)).messageCount).toBe(0);
  });

  it("stops when aborted, leaving what it did not ack in the queue, and resumes where it stopped", async () => {
    const q = await queue("abort");
    for (let i = 0; i < 50; i++) channel.sendToQueue(q, Buffer.from("{}"), { messageId: `m${i}` });
    const first: string[] = [];
    const controller = new AbortController();
    const connector = rabbitmqDriver.connector(address, { queue: q, prefetch: 10 });
    await connector.consume(async (delivery) => {
      first.push(delivery.messageId!);
      if (first.length === 10) {
        // Handed on but never settled when the stop comes: RabbitMQ keeps it.
        controller.abort();
        return;
      }
      await delivery.ack();
    }, controller.signal);
    expect(first).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect((await channel.checkQueue(q)).messageCount).toBe(41);

    const second: string[] = [];
    const again = new AbortController();
    await rabbitmqDriver.connector(address, { queue: q, prefetch: 10 }).consume(async (delivery) => {
      second.push(delivery.messageId!);
      await delivery.ack();
      if (second.length === 41) again.abort();
    }, again.signal);
    expect(second).toEqual(Array.from({ length: 41 }, (_, i) => `m${i + 9}`));
  });
});

type StompFrame = { command: string; headers: Record<string, string>; body: string };

/** Just enough STOMP 1.2 to subscribe and read MESSAGE frames, so the test needs no STOMP library. */
async function stompSubscribe(destination: string) {
  const socket = net.connect({ host: "127.0.0.1", port: 61613 });
  const frames: StompFrame[] = [];
  let waiter: ((frame: StompFrame) => void) | null = null;
  let buffer = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (;;) {
      buffer = buffer.replace(/^\n+/, "");
      const end = buffer.indexOf("\0");
      if (end === -1) break;
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      const split = raw.indexOf("\n\n");
      const [command, ...lines] = raw.slice(0, split).split("\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon);
        // STOMP 1.2 escapes ":" and line breaks in header values.
        const value = line
          .slice(colon + 1)
          .replace(/\\([cnr\\])/g, (_, c: string) => ({ c: ":", n: "\n", r: "\r" })[c] ?? "\\");
        if (!(name in headers)) headers[name] = value;
      }
      const frame = { command: command!, headers, body: raw.slice(split + 2) };
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(frame);
      } else frames.push(frame);
    }
  });
  const next = () =>
    new Promise<StompFrame>((resolve, reject) => {
      const queued = frames.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error("no STOMP frame within 10 s")), 10_000);
      waiter = (frame) => (clearTimeout(timer), resolve(frame));
    });
  const send = (command: string, headers: Record<string, string>) =>
    socket.write(
      `${command}\n${Object.entries(headers)
        .map(([k, v]) => `${k}:${v}\n`)
        .join("")}\n\0`,
    );
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  send("CONNECT", { "accept-version": "1.2", host: "/", login: "guest", passcode: "guest" });
  const connected = await next();
  if (connected.command !== "CONNECTED") throw new Error(`STOMP: ${connected.headers.message ?? connected.command}`);
  send("SUBSCRIBE", { id: "0", destination, ack: "auto", receipt: "subscribed" });
  const receipt = await next();
  if (receipt.command !== "RECEIPT") throw new Error(`STOMP: ${receipt.headers.message ?? receipt.command}`);
  return { next, close: () => socket.destroy() };
}
