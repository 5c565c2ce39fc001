import amqplib from "amqplib";
import { connect as natsConnect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The real requireSession and requireAdmin run against a test database, as a hostile operator's direct
// post would reach them; only Next's cookie, redirect and cache plumbing is stubbed.
const h = vi.hoisted(() => ({ token: undefined as string | undefined, engine: null as unknown }));

vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => (h.token ? { value: h.token } : undefined), set: () => {}, delete: () => {} }),
  headers: async () => new Headers(),
}));
vi.mock("next/navigation", () => ({
  redirect: (url: string) => {
    throw Object.assign(new Error(`NEXT_REDIRECT ${url}`), { redirectTo: url });
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import type { FormState } from "@/components/forms/form-state";
import { loadInboundDetail, loadInbounds } from "@/app/_views/inbounds";
import { createOperator } from "@/spark/accounts/accounts";
import { startSession } from "@/spark/accounts/sessions";
import type { Deps } from "@/spark/deps";
import { recordInboundBatch } from "@/spark/inbound/record";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testConnections } from "@/testing/connections";
import { testDeps } from "@/testing/deps";
import { createInboundAction, deleteInboundAction, setInboundActiveAction } from "./actions";

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
const SECRET_KEY = "inbound actions test key, long enough for SPARK_SECRET_KEY";
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function rabbitAnswers(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}
const rabbit = await rabbitAnswers();
const NATS = "nats://127.0.0.1:4222";
const nats = await natsConnect({ servers: NATS, timeout: 2000 }).then(
  async (nc) => (await nc.close(), true),
  () => false,
);

const idle: FormState = { status: "idle" };
const form = (entries: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(entries)) data.append(name, value);
  return data;
};
const redirectOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: { redirectTo?: string }) => error.redirectTo ?? String(error),
  );

describe(`the inbound actions on ${testDriver}`, () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: Deps;
  let adminToken = "";
  let operatorToken = "";
  let existing = "";

  beforeAll(async () => {
    database = await openTestDatabase();
    deps = testDeps(database, { connections: testConnections(database, { secretKey: SECRET_KEY }) });
    h.engine = { deps, database, config: { publicUrl: "http://spark.test" } };
    const admin = await createOperator(deps, {
      email: "admin@example.com",
      password: "admin password 1234",
      role: "admin",
      createdBy: null,
    });
    const operator = await createOperator(deps, {
      email: "op@example.com",
      password: "operator password 1234",
      role: "operator",
      createdBy: admin!.id,
    });
    adminToken = (await startSession(deps, { userId: admin!.id, days: 1 })).token;
    operatorToken = (await startSession(deps, { userId: operator!.id, days: 1 })).token;
    await database.db.execute(
      sql`insert into inbounds (name, kind, target, config) values ('existing', 'rabbitmq', 'amqp://guest@127.0.0.1:5672/', '{"queue":"q"}')`,
    );
    existing = (await database.db.query.inbounds.findFirst())!.id;
  });
  afterAll(async () => {
    await database?.close();
  });

  const stored = async () => database.db.query.inbounds.findMany();

  it("refuses an operator who is not an admin, and a visitor, every inbound action", async () => {
    const before = await stored();
    // Each attempt starts only when it is awaited: a refused promise left waiting would be unhandled.
    const attempts = [
      () =>
        createInboundAction(idle, form({ name: "sneaky", kind: "rabbitmq", url: RABBIT, queue: "q", active: "on" })),
      () => setInboundActiveAction(false, idle, form({ id: existing })),
      () => deleteInboundAction(idle, form({ id: existing })),
    ];
    h.token = operatorToken;
    for (const attempt of attempts) expect(await redirectOf(attempt())).toBe("/settings/account");
    h.token = undefined;
    for (const attempt of attempts) expect(await redirectOf(attempt())).toBe("/login");
    expect(await stored()).toEqual(before);
  });

  it("says which field is wrong and never echoes the password, in the URL or its own field", async () => {
    h.token = adminToken;
    const refused = (await createInboundAction(
      idle,
      form({
        name: "",
        kind: "rabbitmq",
        url: "amqp://spark:in-url-secret-9@127.0.0.1:1/",
        password: "field-secret-8",
        queue: "",
        prefetch: "100",
      }),
    )) as Extract<FormState, { status: "invalid" }>;
    expect(refused.status).toBe("invalid");
    expect(Object.keys(refused.fieldErrors)).toEqual(["name"]);
    expect(JSON.stringify(refused)).not.toContain("in-url-secret-9");
    expect(JSON.stringify(refused)).not.toContain("field-secret-8");
    expect(refused.values.url).toBe("amqp://spark@127.0.0.1:1/");

    // A NATS token sits where a user name would: nats://TOKEN@host.
    const token = (await createInboundAction(
      idle,
      form({ name: "", kind: "nats", url: "nats://s3cret-nats-token@127.0.0.1:4222", stream: "s", consumer: "c" }),
    )) as Extract<FormState, { status: "invalid" }>;
    expect(token.status).toBe("invalid");
    expect(JSON.stringify(token)).not.toContain("s3cret-nats-token");
    expect(token.values.url).toBe("nats://127.0.0.1:4222");

    const badKind = await createInboundAction(idle, form({ name: "x", kind: "kafka", url: RABBIT }));
    expect(badKind).toMatchObject({ status: "invalid", fieldErrors: { kind: ["Choose RabbitMQ or NATS JetStream."] } });
    const broker = (await createInboundAction(
      idle,
      form({ name: "nowhere", kind: "rabbitmq", url: "amqp://spark@127.0.0.1:1/", password: "pw-77", queue: "q" }),
    )) as Extract<FormState, { status: "invalid" }>;
    expect(broker.fieldErrors.url?.[0]).toContain("refused the connection");
    expect(JSON.stringify(broker)).not.toContain("pw-77");
  });

  it.skipIf(!rabbit)(
    "creates, pauses, resumes and deletes an inbound, and pages its refused messages",
    async () => {
      h.token = adminToken;
      const connection = await amqplib.connect(RABBIT);
      const channel = await connection.createChannel();
      const queue = `spark.test.ui.${run}`;
      await channel.assertQueue(queue, { durable: false });
      try {
        const created = await redirectOf(
          createInboundAction(
            idle,
            form({
              name: `ui-${run}`,
              kind: "rabbitmq",
              url: "amqp://guest@127.0.0.1:5672/",
              password: "guest",
              queue,
            }),
          ),
        );
        expect(created).toMatch(/^\/subscriptions\/inbounds\/[0-9a-f-]{36}\?created=1$/);
        const id = String(created).split("/")[3]!.split("?")[0]!;
        const [row] = (await stored()).filter((r) => r.id === id);
        expect(row).toMatchObject({ target: "amqp://guest@127.0.0.1:5672/%2F", active: false });
        expect(row!.secretSealed).not.toContain("guest");

        expect(await setInboundActiveAction(true, idle, form({ id }))).toMatchObject({ status: "ok" });
        expect(await setInboundActiveAction(true, idle, form({ id }))).toEqual({
          status: "ok",
          message: "It was already running.",
        });
        expect(await setInboundActiveAction(false, idle, form({ id }))).toMatchObject({ status: "ok" });

        // 120 refusals: three pages of 50, newest first, without repeats.
        const deliveries = Array.from({ length: 120 }, (_, n) => ({
          body: Buffer.from(`not json ${n}\n\u0000`),
          routingKey: null,
          messageId: `bad-${n}`,
          ack: async () => {},
          reject: async () => {},
          retry: async () => {},
        }));
        await recordInboundBatch(deps, { inbound: { id }, deliveries });
        const first = (await loadInboundDetail(deps, id, {}))!;
        expect(first.inbound).toMatchObject({ rejected: 120, source: `queue ${queue}`, hasPassword: true });
        expect(first.rejections).toHaveLength(50);
        expect(first.rejections[0]!.messageId).toBe("bad-119");
        expect(first.rejections[0]!.body).toBe("not json 119\n\uFFFD");
        const second = (await loadInboundDetail(deps, id, { before: String(first.older) }))!;
        const third = (await loadInboundDetail(deps, id, { before: String(second.older) }))!;
        expect(third.rejections).toHaveLength(20);
        expect(third.older).toBeNull();
        const seen = [...first.rejections, ...second.rejections, ...third.rejections].map((r) => r.messageId);
        expect(new Set(seen).size).toBe(120);
        expect((await loadInboundDetail(deps, id, { before: "x'--" }))!.ignored).toHaveLength(1);
        expect(JSON.stringify(await loadInbounds(deps, {}))).not.toContain("secretSealed");

        expect(await redirectOf(deleteInboundAction(idle, form({ id })))).toBe(
          `/subscriptions/inbounds?deleted=ui-${run}`,
        );
        expect((await stored()).some((r) => r.id === id)).toBe(false);
        expect(await loadInboundDetail(deps, id, {})).toBeNull();
      } finally {
        await channel.deleteQueue(queue);
        await connection.close();
      }
    },
    30_000,
  );

  it.skipIf(!nats)(
    "creates a NATS inbound on a stream's durable consumer, and names a consumer that is not there",
    async () => {
      h.token = adminToken;
      const nc = await natsConnect({ servers: NATS });
      const jsm = await jetstreamManager(nc);
      const stream = `SPARK_UI_${run.toUpperCase()}`;
      await jsm.streams.add({ name: stream, subjects: [`spark.ui.${run}.>`] });
      try {
        await jsm.consumers.add(stream, { durable_name: "spark", ack_policy: "explicit" as never });
        const missing = (await createInboundAction(
          idle,
          form({ name: `nats-ui-${run}`, kind: "nats", url: NATS, stream, consumer: "nobody", batch: "50" }),
        )) as Extract<FormState, { status: "invalid" }>;
        expect(missing.status).toBe("invalid");
        expect(missing.fieldErrors.consumer?.[0]).toContain('no durable consumer "nobody"');
        const created = await redirectOf(
          createInboundAction(
            idle,
            form({
              name: `nats-ui-${run}`,
              kind: "nats",
              url: NATS,
              stream,
              consumer: "spark",
              batch: "50",
              active: "on",
            }),
          ),
        );
        expect(created).toMatch(/^\/subscriptions\/inbounds\/[0-9a-f-]{36}\?created=1$/);
        const id = String(created).split("/")[3]!.split("?")[0]!;
        const detail = (await loadInboundDetail(deps, id, {}))!;
        expect(detail.inbound).toMatchObject({
          kind: "nats",
          active: true,
          source: `stream ${stream}, consumer spark`,
          hasPassword: false,
        });
        await deleteInboundAction(idle, form({ id })).catch(() => {});
      } finally {
        await jsm.streams.delete(stream).catch(() => {});
        await nc.close();
      }
    },
  );
});
