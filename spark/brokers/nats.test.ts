import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishedEvent } from "@/db/queries/event-streams";
import { testDriver } from "@/testing/database";
import { eventOfMessage, INBOUND_MESSAGE_LIMIT } from "../inbound/record";
import { natsDriver, subjectOf, subjectPatternOf } from "./nats";
import type { BrokerAddress, InboundDelivery } from "./types";

const NATS_HOST = "127.0.0.1";
const NATS_PORT = 4222;
const NATS_SERVER = "/usr/sbin/nats-server";

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, NATS_HOST, () => done(true));
  });

const natsUp = await reachable(NATS_PORT);
if (!natsUp)
  console.warn(
    `nats.test.ts skipped: no NATS at ${NATS_HOST}:${NATS_PORT}. Start it with: start-stop-daemon --start --oknodo --background --exec ${NATS_SERVER} -- -a ${NATS_HOST} -p ${NATS_PORT} -js -sd /var/lib/nats-server`,
  );

const run = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const PASSWORD = "Sup3r-s3cret/pa55";
/** Every message the driver produced in this file, each checked for the password at the end. */
const messages: string[] = [];
const note = <T extends string | null>(message: T): T => {
  if (message !== null) messages.push(message);
  return message;
};

let sequence = 0;
const eventOf = (overrides: Partial<PublishedEvent> = {}): PublishedEvent => {
  sequence += 1;
  return {
    id: sequence,
    group: "order.created",
    key: `order.created:${run}:${sequence}`,
    context: { n: sequence, title: `Order ${sequence}` },
    createdAt: new Date("2026-12-04T10:00:00Z"),
    source: null,
    aggregate: null,
    position: { tx: "1", id: sequence },
    ...overrides,
  };
};

const address = (port = NATS_PORT, password: string | null = null, user = ""): BrokerAddress => ({
  url: `nats://${user ? `${user}@` : ""}${NATS_HOST}:${port}`,
  password,
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, NATS_HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A nats-server of this test's own, on its own port and store, so stopping it disturbs nobody else's tests. */
async function privateServer(options: { user?: string; pass?: string; js?: boolean; maxPayload?: number } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "spark-nats-"));
  const args = ["-a", NATS_HOST, "-p", String(port), "-sd", dir];
  if (options.js !== false) args.push("-js");
  const config = [
    options.user ? `authorization { user: "${options.user}", password: "${options.pass}" }` : "",
    options.maxPayload ? `max_payload: ${options.maxPayload}` : "",
  ].join("\n");
  if (config.trim()) {
    writeFileSync(join(dir, "server.conf"), `${config}\n`);
    args.push("-c", join(dir, "server.conf"));
  }
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(NATS_SERVER, args, { stdio: "ignore" });
    for (let i = 0; i < 100 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 50));
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once("exit", resolve);
      running.kill("SIGTERM");
    });
  };
  await start();
  return {
    port,
    start,
    stop,
    remove: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function readAll(nc: NatsConnection, stream: string, expected: number) {
  const consumer = await jetstream(nc).consumers.get(stream);
  const seen: {
    subject: string;
    msgId: string | null;
    group: string | null;
    headers: Record<string, string>;
    body: unknown;
  }[] = [];
  while (seen.length < expected) {
    const batch = await consumer.fetch({ max_messages: expected - seen.length, expires: 2_000 });
    let got = 0;
    for await (const m of batch) {
      got += 1;
      const h: Record<string, string> = {};
      for (const k of m.headers?.keys() ?? []) h[k] = m.headers!.get(k);
      seen.push({
        subject: m.subject,
        msgId: m.headers?.get("Nats-Msg-Id") ?? null,
        group: h["Spark-Group"] ?? null,
        headers: h,
        body: m.json(),
      });
    }
    if (got === 0) break;
  }
  return seen;
}

describe("NATS URLs and subjects", () => {
  it("splits the password from the URL and refuses what is not a NATS server", () => {
    expect(natsDriver.parseUrl("nats://127.0.0.1:4222")).toEqual({
      ok: true,
      address: { url: "nats://127.0.0.1:4222", password: null },
    });
    expect(natsDriver.parseUrl(`nats://spark:${encodeURIComponent(PASSWORD)}@nats.example.com:4333`)).toEqual({
      ok: true,
      address: { url: "nats://spark@nats.example.com:4333", password: PASSWORD },
    });
    expect(natsDriver.parseUrl("tls://nats.example.com")).toEqual({
      ok: true,
      address: { url: "tls://nats.example.com:4222", password: null },
    });
    // nats://token@host: the lone user part is a token, a secret, and is kept apart like a password.
    expect(natsDriver.parseUrl("nats://s3cr3t-token@h:4222")).toEqual({
      ok: true,
      address: { url: "nats://h:4222", password: "s3cr3t-token" },
    });
    expect(natsDriver.parseUrl("nats://[::1]:4222")).toMatchObject({ ok: true, address: { url: "nats://[::1]:4222" } });
    // A comma in a password is a password, not a server list.
    expect(natsDriver.parseUrl("nats://u:pa,ss@h")).toEqual({
      ok: true,
      address: { url: "nats://u@h:4222", password: "pa,ss" },
    });
    for (const bad of [
      "http://h:4222",
      "amqp://guest:guest@h",
      "ws://h:4222",
      "nats://h:4222/path",
      "nats://h:4222?x=1",
      "nats://h:4222,nats://i:4222",
      "nats://a,b:4222",
      "nats://h%2e:4222",
      "nats://h:0",
      "nats:h:4222",
      "nats://user@exa mple:4222",
      "nats://",
      "not a url",
      `javascript:alert(1)`,
      `nats://u:${PASSWORD}%@h`,
    ]) {
      const parsed = natsDriver.parseUrl(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) note(parsed.message);
    }
  });

  it("refuses wildcards, system subjects and unknown placeholders in a subject template", () => {
    const parse = (subject: string) => natsDriver.relayConfigSchema.safeParse({ subject });
    expect(natsDriver.relayConfigSchema.parse({})).toEqual({ subject: "spark.{group}" });
    for (const ok of ["spark.{group}", "events.{aggregateType}.{group}", "x-{group}.k:{key}", "plain"])
      expect(parse(ok).success, ok).toBe(true);
    for (const bad of [
      "spark.*",
      "spark.>",
      "spark.{group}.>",
      "$JS.API.STREAM.DELETE.{group}",
      "a b",
      "a..b",
      ".a",
      "a.",
      "{nope}",
      "{group",
      "a/b",
    ])
      expect(parse(bad).success, bad).toBe(false);
  });

  it("makes every substituted value subject-safe, keeping dots as token separators", () => {
    const subject = (group: string, key = "k", aggregate: PublishedEvent["aggregate"] = null) =>
      subjectOf("spark.{group}.{aggregateType}.{key}", { group, key, aggregate });
    expect(subject("order.created")).toBe("spark.order.created._.k");
    expect(subject("a*b", "k>", { type: "t y", id: "1", version: 1 })).toBe("spark.a_b.t_y.k_");
    expect(subject("..", "$JS.API.STREAM.DELETE.X")).toBe("spark._._._._._JS.API.STREAM.DELETE.X");
    expect(subject("é\r\n", "k", { type: "", id: "1", version: 1 })).toBe("spark.___._.k");
    expect(subjectPatternOf("spark.{group}")).toBe("spark.>");
    expect(subjectPatternOf("spark.{group}.tail")).toBe("spark.*.tail");
    expect(subjectPatternOf("fixed.subject")).toBe("fixed.subject");
  });

  it("fails, without connecting, an event whose subject would be too long", async () => {
    const relay = natsDriver.relay(address(1), { subject: "spark.{key}" });
    const result = await relay.publish(eventOf({ key: "k".repeat(2_000) }), {});
    await relay.close();
    expect(result).toEqual({ ok: false, error: expect.stringContaining("more than 1024") });
  });

  it("refuses stream and consumer names that would change a JetStream API subject", () => {
    const parse = (stream: string, consumer: string) => natsDriver.inboundConfigSchema.safeParse({ stream, consumer });
    expect(natsDriver.inboundConfigSchema.parse({ stream: "ORDERS", consumer: "spark" })).toEqual({
      stream: "ORDERS",
      consumer: "spark",
      batch: 100,
    });
    for (const [s, c] of [
      ["A.B", "c"],
      ["A", "*"],
      ["A", ">"],
      ["A B", "c"],
      ["", "c"],
      ["A", "c/d"],
    ])
      expect(parse(s!, c!).success, `${s} ${c}`).toBe(false);
    expect(natsDriver.inboundConfigSchema.safeParse({ stream: "A", consumer: "c", batch: 1001 }).success).toBe(false);
  });
});

describe.skipIf(!natsUp || testDriver !== "pglite")("the NATS JetStream driver against a real server", () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = `SPARK_${run}`.toUpperCase();
  const prefix = `spark.${run}`;

  beforeAll(async () => {
    nc = await connect({ servers: `${NATS_HOST}:${NATS_PORT}` });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 60_000_000_000 });
  });
  afterAll(async () => {
    await jsm?.streams.delete(stream).catch(() => {});
    await nc?.close();
  });

  it("relays 100 events, each read once by a plain consumer with its key as Nats-Msg-Id", async () => {
    const relay = natsDriver.relay(address(), { subject: `${prefix}.relay.{group}` });
    const events = Array.from({ length: 100 }, (_, i) =>
      eventOf(i % 10 === 0 ? { aggregate: { type: "order", id: `o-${i}`, version: i + 1 } } : {}),
    );
    for (const event of events) expect(await relay.publish(event, {})).toMatchObject({ ok: true });
    await relay.close();

    const relayed = await readAll(nc, stream, 100);
    expect((await jsm.streams.info(stream)).state.messages).toBe(100);
    expect(relayed.map((m) => m.msgId)).toEqual(events.map((e) => e.key));
    for (const [i, m] of relayed.entries()) {
      const event = events[i]!;
      expect(m.subject).toBe(`${prefix}.relay.order.created`);
      expect(m.group).toBe("order.created");
      expect(m.body).toEqual({
        type: "order.created",
        timestamp: "2026-12-04T10:00:00.000Z",
        data: {
          key: event.key,
          group: "order.created",
          context: event.context,
          ...(event.aggregate
            ? { aggregate: { type: "order", id: event.aggregate.id }, version: event.aggregate.version }
            : {}),
        },
      });
      if (event.aggregate)
        expect(m.headers).toMatchObject({
          "Spark-Aggregate-Type": "order",
          "Spark-Aggregate-Id": event.aggregate.id,
          "Spark-Version": String(event.aggregate.version),
        });
      else expect(m.headers["Spark-Aggregate-Type"]).toBeUndefined();
    }
  });

  it("stores an event published twice once, and reports both publishes as delivered", async () => {
    const relay = natsDriver.relay(address(), { subject: `${prefix}.dup.{group}` });
    const event = eventOf({ group: "dup" });
    const first = await relay.publish(event, {});
    const second = await relay.publish(event, {});
    await relay.close();
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true, response: expect.stringContaining("duplicate") });
    const info = await jsm.streams.info(stream, { subjects_filter: `${prefix}.dup.>` });
    expect(info.state.subjects).toEqual({ [`${prefix}.dup.dup`]: 1 });
  });

  it("escapes CR and LF so a key cannot add headers, and never throws on odd input", async () => {
    const relay = natsDriver.relay(address(), { subject: `${prefix}.odd.{key}` });
    const key = `evil\r\nSpark-Group: forged:${run}`;
    const result = await relay.publish(
      eventOf({ group: "odd", key, aggregate: { type: "t\r\n", id: "x\ny", version: 1 } }),
      {},
    );
    await relay.close();
    expect(result).toMatchObject({ ok: true });
    const m = await jsm.streams.getMessage(stream, { last_by_subj: `${prefix}.odd.evil__Spark-Group:_forged:${run}` });
    expect(m?.header?.get("Nats-Msg-Id")).toBe(`evil%0D%0ASpark-Group: forged:${run}`);
    expect(m?.header?.get("Spark-Group")).toBe("odd");
    expect(m?.header?.get("Spark-Aggregate-Id")).toBe("x%0Ay");
  });

  it("fails, with the reason, a publish to a subject no stream captures and an event over max_payload", async () => {
    const relay = natsDriver.relay(address(), { subject: `nostream.${run}.{group}` });
    const lost = await relay.publish(eventOf(), {});
    expect(lost).toEqual({
      ok: false,
      error: expect.stringContaining(`No stream captures subject "nostream.${run}.order.created"`),
    });
    await relay.close();

    const big = natsDriver.relay(address(), { subject: `${prefix}.big.{group}` });
    const huge = await big.publish(eventOf({ context: { blob: "x".repeat(1_100_000) } }), {});
    expect(huge).toEqual({ ok: false, error: expect.stringContaining("max_payload") });
    expect(await big.publish(eventOf({ group: "small" }), {})).toMatchObject({ ok: true });
    await big.close();
    note(lost.ok ? null : lost.error);
    note(huge.ok ? null : huge.error);

    const unreachable = natsDriver.relay(address(await freePort(), PASSWORD, "spark"), { subject: "a.{group}" });
    const down = await unreachable.publish(eventOf(), {});
    expect(down).toEqual({ ok: false, error: expect.stringContaining("refused the connection") });
    note(down.ok ? null : down.error);
    await unreachable.close();
  });

  it("checks a relay's subject and an inbound's stream and consumer, saying what to fix", async () => {
    await jsm.consumers.add(stream, { durable_name: "pull", ack_policy: AckPolicy.Explicit });
    await jsm.consumers.add(stream, { durable_name: "noack", ack_policy: AckPolicy.None });
    await jsm.consumers.add(stream, {
      durable_name: "push",
      ack_policy: AckPolicy.Explicit,
      deliver_subject: `push.${run}`,
    });
    const check = async (...args: Parameters<typeof natsDriver.check>) => note(await natsDriver.check(...args));

    expect(await check(address(), { subject: `${prefix}.{group}` }, "relay")).toBeNull();
    expect(await check(address(), { subject: `${prefix}.fixed.subject` }, "relay")).toBeNull();
    expect(await check(address(), { subject: `elsewhere.${run}.{group}` }, "relay")).toMatch(
      `No JetStream stream captures "elsewhere.${run}.>"`,
    );
    expect(await check(address(), { subject: "spark.*" }, "relay")).toMatch("wildcards");
    // A stream capturing some of the template's subjects passes; an event outside it fails when published.
    await jsm.streams.add({ name: `${stream}_NARROW`, subjects: [`narrow.${run}.order.>`] });
    try {
      expect(await check(address(), { subject: `narrow.${run}.{group}` }, "relay")).toBeNull();
    } finally {
      await jsm.streams.delete(`${stream}_NARROW`);
    }
    expect(await check(address(), { stream, consumer: "pull", batch: 10 }, "inbound")).toBeNull();
    expect(await check(address(), { stream: `${stream}_NONE`, consumer: "pull", batch: 10 }, "inbound")).toMatch(
      `no JetStream stream named "${stream}_NONE"`,
    );
    expect(await check(address(), { stream, consumer: "nobody", batch: 10 }, "inbound")).toMatch(
      `has no durable consumer "nobody"; create it`,
    );
    expect(await check(address(), { stream, consumer: "push", batch: 10 }, "inbound")).toMatch("push consumer");
    expect(await check(address(), { stream, consumer: "noack", batch: 10 }, "inbound")).toMatch("explicit acks");
    expect(await check(address(await freePort(), PASSWORD, "spark"), { subject: "a.{group}" }, "relay")).toMatch(
      "refused the connection",
    );
    expect(
      await check({ url: `tls://${NATS_HOST}:${NATS_PORT}`, password: null }, { subject: "a.{group}" }, "relay"),
    ).toMatch(/TLS|tls/);
  });

  it("says when the credentials are wrong, never showing the password", async () => {
    const server = await privateServer({ user: "spark", pass: PASSWORD });
    try {
      const right = address(server.port, PASSWORD, "spark");
      const wrong = address(server.port, `${PASSWORD}-wrong`, "spark");
      expect(await natsDriver.check(right, { subject: "a.{group}" }, "relay")).toMatch("No JetStream stream captures");
      const refused = note(await natsDriver.check(wrong, { subject: "a.{group}" }, "relay"));
      expect(refused).toMatch("refused the credentials");
      const relay = natsDriver.relay(wrong, { subject: "a.{group}" });
      const failed = await relay.publish(eventOf(), {});
      await relay.close();
      expect(failed.ok).toBe(false);
      note(failed.ok ? null : failed.error);
      const connector = natsDriver.connector(wrong, { stream: "S", consumer: "c", batch: 1 });
      const thrown = await connector
        .consume(async () => {}, new AbortController().signal)
        .catch((e: Error) => e.message);
      expect(thrown).toMatch("refused the credentials");
      note(thrown as string);
    } finally {
      await server.remove();
    }
  });

  it("says when the server has no JetStream", async () => {
    const server = await privateServer({ js: false });
    try {
      expect(note(await natsDriver.check(address(server.port), { subject: "a.{group}" }, "relay"))).toMatch(
        "JetStream is not enabled",
      );
      expect(
        note(await natsDriver.check(address(server.port), { stream: "S", consumer: "c", batch: 1 }, "inbound")),
      ).toMatch("JetStream is not enabled");
    } finally {
      await server.remove();
    }
  });

  it("hands on a message over 1 MiB whole, for the inbound to refuse with its reason, and keeps going", async () => {
    const server = await privateServer({ maxPayload: 4 * 1024 * 1024 });
    try {
      const admin = await connect({ servers: `${NATS_HOST}:${server.port}` });
      const adminJsm = await jetstreamManager(admin);
      await adminJsm.streams.add({ name: "BIG", subjects: ["big.>"], max_msg_size: -1 });
      await adminJsm.consumers.add("BIG", { durable_name: "spark", ack_policy: AckPolicy.Explicit });
      const js = jetstream(admin);
      await js.publish("big.one", Buffer.alloc(INBOUND_MESSAGE_LIMIT + 1, 0x61), { msgID: "big:1" });
      await js.publish("big.two", JSON.stringify({ ok: true }), { msgID: "big:2" });
      const controller = new AbortController();
      const got: { size: number; verdict: ReturnType<typeof eventOfMessage> }[] = [];
      await natsDriver
        .connector(address(server.port), { stream: "BIG", consumer: "spark", batch: 10 })
        .consume(async (d) => {
          const verdict = eventOfMessage(d);
          got.push({ size: d.body.byteLength, verdict });
          if (verdict.ok) await d.ack();
          else await d.reject(verdict.reason);
          if (got.length === 2) controller.abort();
        }, controller.signal);
      expect(got[0]).toEqual({
        size: INBOUND_MESSAGE_LIMIT + 1,
        verdict: { ok: false, reason: expect.stringContaining(`at most ${INBOUND_MESSAGE_LIMIT}`) },
      });
      expect(got[1]).toMatchObject({ verdict: { ok: true } });
      const info = await adminJsm.consumers.info("BIG", "spark");
      expect(info.num_pending + info.num_ack_pending).toBe(0);
      await admin.close();
    } finally {
      await server.remove();
    }
  });

  it("keeps consuming across a NATS server restart, losing nothing", async () => {
    const server = await privateServer();
    try {
      const publish = async (from: number, to: number) => {
        const admin = await connect({ servers: `${NATS_HOST}:${server.port}` });
        const adminJsm = await jetstreamManager(admin);
        if (from === 0) {
          await adminJsm.streams.add({ name: "C", subjects: ["c.>"] });
          await adminJsm.consumers.add("C", { durable_name: "spark", ack_policy: AckPolicy.Explicit });
        }
        for (let i = from; i < to; i++) await jetstream(admin).publish(`c.n${i}`, "{}", { msgID: `c:${i}` });
        await admin.close();
      };
      await publish(0, 10);
      const controller = new AbortController();
      const seen = new Set<string>();
      let restarted: Promise<void> | null = null;
      const consuming = natsDriver
        .connector(address(server.port), { stream: "C", consumer: "spark", batch: 5 })
        .consume(async (d) => {
          await d.ack().catch((e: Error) => note(e.message));
          seen.add(d.messageId!);
          if (seen.size === 10 && !restarted)
            restarted = (async () => {
              await server.stop();
              await server.start();
              await publish(10, 20);
            })();
          if (seen.size === 20) controller.abort();
        }, controller.signal);
      await consuming;
      await restarted;
      expect([...seen].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c:${i}`).sort());
    } finally {
      await server.remove();
    }
  }, 60_000);

  it("keeps relaying across a NATS server restart: a publish during the outage fails, none is lost after", async () => {
    const server = await privateServer();
    try {
      const admin = await connect({ servers: `${NATS_HOST}:${server.port}` });
      await (await jetstreamManager(admin)).streams.add({ name: "R", subjects: ["r.>"] });
      await admin.close();
      const relay = natsDriver.relay(address(server.port), { subject: "r.{group}" });
      const events = Array.from({ length: 20 }, () => eventOf({ group: "restart" }));
      for (const event of events.slice(0, 10)) expect(await relay.publish(event, {})).toMatchObject({ ok: true });

      await server.stop();
      const during = await relay.publish(events[10]!, { signal: AbortSignal.timeout(1_500) });
      expect(during).toEqual({ ok: false, error: expect.stringMatching(/abandoned|did not acknowledge/) });
      note(during.ok ? null : during.error);
      await server.start();

      // As a subscription does: the failed event is tried again until the broker takes it, then the rest.
      for (const event of events.slice(10)) {
        let result = await relay.publish(event, { signal: AbortSignal.timeout(2_000) });
        for (let attempt = 0; !result.ok && attempt < 20; attempt++) {
          note(result.error);
          await new Promise((r) => setTimeout(r, 250));
          result = await relay.publish(event, { signal: AbortSignal.timeout(2_000) });
        }
        expect(result).toMatchObject({ ok: true });
      }
      await relay.close();
      const reader = await connect({ servers: `${NATS_HOST}:${server.port}` });
      const seen = await readAll(reader, "R", 25);
      await reader.close();
      expect(seen.map((m) => m.msgId)).toEqual(events.map((e) => e.key));
    } finally {
      await server.remove();
    }
  });

  describe("inbound", () => {
    const inStream = `${stream}_IN`;
    const subject = (i: number) => `in.${run}.order.n${i}`;

    beforeAll(async () => {
      await jsm.streams.add({ name: inStream, subjects: [`in.${run}.>`] });
      // A short ack wait, so the test sees what JetStream would redeliver without waiting the default 30 s.
      await jsm.consumers.add(inStream, {
        durable_name: "spark",
        ack_policy: AckPolicy.Explicit,
        ack_wait: 2_000_000_000,
      });
      const js = jetstream(nc);
      for (let i = 0; i < 200; i++) {
        if (i % 3 === 0)
          await js.publish(
            subject(i),
            JSON.stringify({ group: "order.placed", key: `in:${run}:${i}`, context: { i } }),
          );
        else if (i % 3 === 1) await js.publish(subject(i), JSON.stringify({ i }), { msgID: `in:${run}:${i}` });
        else {
          const h = headers();
          h.set("Malformed", "yes");
          await js.publish(subject(i), `not json ${i} {`, { headers: h });
        }
      }
    });
    afterAll(async () => {
      await jsm?.streams.delete(inStream).catch(() => {});
    });

    const indexOf = (d: InboundDelivery) => Number(/n(\d+)$/.exec(d.routingKey ?? "")![1]);

    it("hands on 200 messages in order; ack removes, reject terms for good, retry redelivers", async () => {
      const connector = natsDriver.connector(address(), { stream: inStream, consumer: "spark", batch: 50 });
      const controller = new AbortController();
      const first: InboundDelivery[] = [];
      const again: InboundDelivery[] = [];
      const seen = new Set<number>();
      await connector.consume(async (delivery) => {
        const i = indexOf(delivery);
        if (seen.has(i)) {
          again.push(delivery);
          await delivery.ack();
        } else {
          seen.add(i);
          first.push(delivery);
          if (i % 3 === 2) await delivery.reject(`not an event: message ${i}\r\nis not JSON`);
          else if (i === 7) await delivery.retry();
          else await delivery.ack();
        }
        if (first.length === 200 && again.length === 1) controller.abort();
      }, controller.signal);

      expect(first.map(indexOf)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      for (const d of first) {
        const i = indexOf(d);
        expect(d.routingKey).toBe(subject(i));
        if (i % 3 === 0) {
          expect(d.messageId).toBeNull();
          expect(JSON.parse(d.body.toString())).toEqual({
            group: "order.placed",
            key: `in:${run}:${i}`,
            context: { i },
          });
        } else if (i % 3 === 1) {
          expect(d.messageId).toBe(`in:${run}:${i}`);
          expect(JSON.parse(d.body.toString())).toEqual({ i });
        } else {
          expect(d.messageId).toBeNull();
          expect(d.body.toString()).toBe(`not json ${i} {`);
        }
      }
      expect(again.map(indexOf)).toEqual([7]);

      // Past the ack wait, nothing is pending: the terminated messages did not come back.
      await new Promise((r) => setTimeout(r, 4_500));
      const info = await jsm.consumers.info(inStream, "spark");
      expect(info.num_pending).toBe(0);
      expect(info.num_ack_pending).toBe(0);
      const leftover = await (await jetstream(nc).consumers.get(inStream, "spark")).next({ expires: 1_000 });
      expect(leftover).toBeNull();
    }, 30_000);

    it("stops pulling when aborted, and the messages it handed on can still be settled", async () => {
      const js = jetstream(nc);
      for (let i = 200; i < 230; i++) await js.publish(subject(i), JSON.stringify({ i }), { msgID: `in:${run}:${i}` });
      const connector = natsDriver.connector(address(), { stream: inStream, consumer: "spark", batch: 10 });
      const controller = new AbortController();
      const held: InboundDelivery[] = [];
      let afterStop = 0;
      let stopped = false;
      await connector.consume(async (delivery) => {
        if (stopped) afterStop += 1;
        held.push(delivery);
        if (held.length === 5) controller.abort();
      }, controller.signal);
      stopped = true;
      expect(held.map(indexOf)).toEqual([200, 201, 202, 203, 204]);
      expect(afterStop).toBe(0);
      // Settled after consume() returned, as the caller does with its last batch.
      for (const d of held) await d.ack();

      // What was pulled but not handed on comes back after the consumer's ack wait (2 s here).
      const rest = new Set<number>();
      const second = new AbortController();
      await natsDriver.connector(address(), { stream: inStream, consumer: "spark", batch: 10 }).consume(async (d) => {
        rest.add(indexOf(d));
        await d.ack();
        if (rest.size === 25) second.abort();
      }, second.signal);
      expect([...rest].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => 205 + i));
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await jsm.consumers.info(inStream, "spark")).num_ack_pending).toBe(0);
    });

    it("says so when the stream or the durable consumer does not exist", async () => {
      const missing = natsDriver.connector(address(), { stream: inStream, consumer: "absent", batch: 10 });
      const error = await missing.consume(async () => {}, new AbortController().signal).catch((e: Error) => e.message);
      expect(error).toMatch(`has no durable consumer "absent"`);
      const noStream = natsDriver.connector(address(), { stream: `${inStream}_X`, consumer: "spark", batch: 10 });
      const error2 = await noStream
        .consume(async () => {}, new AbortController().signal)
        .catch((e: Error) => e.message);
      expect(error2).toMatch(`no JetStream stream named`);
      note(error as string);
      note(error2 as string);
    });
  });

  afterAll(() => {
    expect(messages.length).toBeGreaterThan(10);
    for (const message of messages) {
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain(encodeURIComponent(PASSWORD));
    }
  });
});
