import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { insertNewEvents } from "@/db/queries/events";
import { testDeps } from "@/testing/deps";
import { testConnections } from "@/testing/connections";
import { createSubscription } from "@/spark/subscriptions/subscriptions";
import { createScratchPostgres, report } from "./harness";

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl)
  throw new Error(
    "npm run test:reliability needs TEST_DATABASE_URL (a PostgreSQL server where it may create databases)",
  );

const SECRET_KEY = "reliability secret key, long enough for SPARK_SECRET_KEY";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A webhook receiver that notes each request's webhook-id and event key, answering what it is told. */
class Receiver {
  server: Server;
  received: { id: string; key: string }[] = [];
  status = 200;
  delayMs = 0;
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { key: string } };
        const answer = () => {
          if (this.status < 300) this.received.push({ id: String(req.headers["webhook-id"]), key: body.data.key });
          res.writeHead(this.status).end();
        };
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
  }
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  uniqueKeys() {
    return new Set(this.received.map((r) => r.key));
  }
}

function startDispatcherProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "reliability/dispatch.ts"], {
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
    await sleep(50);
  }
}

describe("subscriptions under load and faults (PostgreSQL, a dispatcher process, a real HTTP receiver)", () => {
  let receiver: Receiver;
  let url: string;
  let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
  let database: Database;
  let env: Record<string, string>;

  beforeAll(async () => {
    receiver = new Receiver();
    url = await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });
  beforeEach(async () => {
    scratch = await createScratchPostgres(adminUrl!);
    database = scratch.database;
    receiver.received.length = 0;
    receiver.status = 200;
    receiver.delayMs = 0;
    env = {
      DATABASE_URL: scratch.url,
      SPARK_SECRET_KEY: SECRET_KEY,
      SPARK_WEBHOOK_ALLOW_PRIVATE: "1",
      SPARK_LEASE_SECONDS: "5",
    };
  });
  afterEach(async () => {
    await scratch?.drop();
  });

  const subscribe = async (groups: string) => {
    const deps = testDeps(database, {
      connections: testConnections(database, { secretKey: SECRET_KEY }),
      settings: { webhookAllowPrivate: true },
    });
    const created = await createSubscription(deps, {
      input: { name: `hook-${groups}`, kind: "webhook", groups, target: url, from: "beginning" },
      by: null,
    });
    if (created.status !== "ok") throw new Error(JSON.stringify(created.fieldErrors));
    return created.subscription;
  };
  /** The events' commit-order positions, to check the order they arrived in. */
  const positions = async () =>
    new Map(
      rowsOf<{ key: string; tx: string; id: number | string }>(
        await database.db.execute(sql`select key, tx_id::text as tx, id from events`),
      ).map((r) => [r.key, [BigInt(r.tx), Number(r.id)] as const]),
    );
  const inCommitOrder = (keys: string[], at: Map<string, readonly [bigint, number]>) =>
    keys.every((key, i) => {
      if (i === 0) return true;
      const [t0, i0] = at.get(keys[i - 1]!)!;
      const [t1, i1] = at.get(key)!;
      return t0 < t1 || (t0 === t1 && i0 < i1);
    });

  it("8 writers committing in random order: the receiver gets every event once, in commit order", async () => {
    const t0 = performance.now();
    await subscribe("load");
    const dispatcher = startDispatcherProcess(env);
    const writers = postgres(scratch.url, { max: 8, onnotice: () => {} });
    try {
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let t = 0; t < 25; t++) {
            await writers.begin(async (tx) => {
              for (let e = 0; e < 5; e++)
                await tx`insert into events (event_group, key, context) values ('load', ${`load:${w}:${t}:${e}`}, '{}'::jsonb)`;
              await sleep(Math.random() * 20);
            });
            await sleep(Math.random() * 5);
          }
        }),
      );
      await until("1,000 events at the receiver", () => receiver.uniqueKeys().size === 1_000, 120_000);
    } finally {
      await writers.end();
      dispatcher.child.kill("SIGTERM");
      await dispatcher.done;
    }
    const keys = receiver.received.map((r) => r.key);
    expect(keys).toHaveLength(1_000);
    expect(inCommitOrder(keys, await positions())).toBe(true);
    report("subscription, 8 writers", {
      events: 1_000,
      received: keys.length,
      duplicates: keys.length - new Set(keys).size,
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });

  it("kill -9 of the dispatcher mid-stream: every event arrives, repeats are few and carry the same webhook-id", async () => {
    const t0 = performance.now();
    const subscription = await subscribe("crash");
    await insertNewEvents(database.db, {
      events: Array.from({ length: 2_000 }, (_, i) => ({
        group: "crash",
        key: `crash:${i}`,
        context: {},
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    receiver.delayMs = 2;
    const doomed = startDispatcherProcess(env);
    await until("500 events before the kill", () => receiver.received.length >= 500, 120_000);
    doomed.child.kill("SIGKILL");
    expect((await doomed.done).signal).toBe("SIGKILL");
    const receivedBefore = receiver.received.length;
    // What the checkpoint says was handed on: anything received beyond it is what a restart re-sends.
    const [saved] = rowsOf<{ n: number }>(
      await database.db.execute(sql`
        select count(*)::int as n from events e, subscriptions s
        where s.id = ${subscription.id} and e.event_group = 'crash' and (e.tx_id, e.id) <= (s.checkpoint_tx, s.checkpoint_id)`),
    );
    const unsaved = receivedBefore - Number(saved!.n);
    await sleep(5_500);
    receiver.delayMs = 0;
    const next = startDispatcherProcess(env);
    try {
      await until("2,000 events at the receiver", () => receiver.uniqueKeys().size === 2_000, 120_000);
    } finally {
      next.child.kill("SIGTERM");
      await next.done;
    }
    const duplicates = receiver.received.length - receiver.uniqueKeys().size;
    expect(duplicates).toBeLessThanOrEqual(Math.max(unsaved, 0) + 1);
    const idOf = new Map<string, string>();
    for (const { key, id } of receiver.received) {
      if (idOf.has(key)) expect(idOf.get(key)).toBe(id);
      idOf.set(key, id);
    }
    report("subscription, kill -9 mid-stream", {
      events: 2_000,
      receivedBeforeKill: receivedBefore,
      unsavedAtKill: unsaved,
      duplicates,
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });

  it("the receiver down for a stretch: events wait and all arrive once it is back", async () => {
    const t0 = performance.now();
    await subscribe("outage");
    receiver.status = 503;
    const dispatcher = startDispatcherProcess(env);
    try {
      await insertNewEvents(database.db, {
        events: Array.from({ length: 50 }, (_, i) => ({
          group: "outage",
          key: `outage:${i}`,
          context: {},
          generatorId: null,
          source: null,
        })),
        jobRunId: null,
      });
      await until(
        "the events to wait in the backlog",
        async () => {
          const [row] = rowsOf<{ n: number }>(
            await database.db.execute(sql`select count(*)::int as n from subscription_backlog`),
          );
          return Number(row?.n) === 50;
        },
        60_000,
      );
      receiver.status = 200;
      await until("50 events at the receiver", () => receiver.uniqueKeys().size === 50, 60_000);
    } finally {
      dispatcher.child.kill("SIGTERM");
      await dispatcher.done;
    }
    const [left] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from subscription_backlog`),
    );
    expect(Number(left!.n)).toBe(0);
    report("subscription, receiver down", {
      events: 50,
      received: receiver.uniqueKeys().size,
      seconds: ((performance.now() - t0) / 1000).toFixed(1),
    });
  });
});
