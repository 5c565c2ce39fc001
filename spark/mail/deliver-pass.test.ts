import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { deliveries, mailTemplates } from "@/db/schema";
import { createSmtpMailer } from "@/emails/transports/smtp";
import type { Mailer } from "@/emails/transports/types";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { startSmtpSink, type SmtpSink } from "@/testing/smtp-sink";
import { recordEvents } from "../events/record";
import { batchSizer, deliverWithinBudget } from "./deliver-pass";
import { expandOutbox } from "./expand";
import { createMailHandler } from "./handler";
import { deliverDue } from "./outbox";
import { createRenderPool } from "./render-pool";

const settings = { leaseMs: 120_000 };

describe(`sending queued mail within a pass on ${testDriver}`, () => {
  let database: Database;
  let sink: SmtpSink;
  let mailer: Mailer;
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;
  let seq = 0;
  const deps = (over: { mailer?: Mailer } = {}) =>
    testDeps(database, { mailer: over.mailer ?? mailer, clock, settings });

  beforeAll(async () => {
    database = await openTestDatabase();
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, connections: 2, timeoutMs: 5_000 });
    await database.db.insert(mailTemplates).values({
      name: "pass",
      groupPattern: "pass",
      subject: "Hello {{ n }}",
      text: "Body {{ n }}",
      toAddress: "user{{ n }}@example.com",
    });
  });
  afterAll(async () => {
    await mailer?.close();
    await sink?.stop();
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.delete(deliveries);
    await database.db.execute(sql`delete from mail_outbox`);
    sink.messages.length = 0;
  });

  async function queue(count: number) {
    const handler = await createMailHandler(deps());
    await recordEvents(deps(), {
      events: Array.from({ length: count }, () => {
        const n = ++seq;
        return { group: "pass", key: `pass:${n}`, context: { n }, generatorId: null, source: null };
      }),
      handlers: [handler!],
    });
  }
  const statuses = async () =>
    rowsOf<{ status: string; attempts: number; n: number }>(
      await database.db.execute(
        sql`select status, attempts, count(*)::int as n from deliveries group by 1, 2 order by 1, 2`,
      ),
    );

  it("writes rendered mail already taken by its sender: no one else claims it, and a crash before sending leaves it for when the lease runs out", async () => {
    await queue(5);
    const expanded = await expandOutbox(deps(), { limit: 100, send: true });
    expect(expanded.toSend.map((d) => d.recipient).sort()).toHaveLength(5);
    expect(await statuses()).toEqual([{ status: "sending", attempts: 1, n: 5 }]);
    // Another sender finds nothing to take while the lease holds.
    expect((await deliverDue(deps(), { limit: 50 })).claimed).toBe(0);
    // The sender that held them died: once the lease is over, they are taken and sent, once each.
    now = new Date(now.getTime() + settings.leaseMs + 1);
    expect(await deliverDue(deps(), { limit: 50 })).toMatchObject({ claimed: 5, sent: 5 });
    expect(sink.messages).toHaveLength(5);
    expect(await statuses()).toEqual([{ status: "sent", attempts: 2, n: 5 }]);
  });

  it("sends rendered mail without claiming it again: one attempt each", async () => {
    await queue(7);
    const tally = await deliverWithinBudget(deps(), { budgetMs: 60_000, batchSize: 3 });
    expect(tally).toMatchObject({ sent: 7, failed: 0, dead: 0, budgetSpent: false });
    expect(await statuses()).toEqual([{ status: "sent", attempts: 1, n: 7 }]);
    expect(new Set(sink.messages.map((m) => m.parsed.subject)).size).toBe(7);
  });

  it("takes the next batch while the one before is still being sent, so the connections never wait for a whole batch", async () => {
    await queue(12);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated: Mailer = {
      ...mailer,
      send: async (mail) => (await gate, mailer.send(mail)),
      sendComposed: async (mail) => (await gate, mailer.sendComposed!(mail)),
    };
    const pass = deliverWithinBudget(deps({ mailer: gated }), { budgetMs: 60_000, batchSize: 4 });
    // No send has finished, yet more than the first batch is already rendered and taken.
    await vi.waitFor(
      async () => {
        const taken = (await statuses()).find((s) => s.status === "sending")?.n ?? 0;
        expect(taken).toBeGreaterThanOrEqual(8);
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(sink.messages).toHaveLength(0);
    open();
    expect(await pass).toMatchObject({ sent: 12, budgetSpent: false });
    expect(await statuses()).toEqual([{ status: "sent", attempts: 1, n: 12 }]);
  });

  it("claims nothing once its time is spent, and says so", async () => {
    await queue(3);
    expect(await deliverWithinBudget(deps(), { budgetMs: 0, batchSize: 10 })).toMatchObject({
      claimed: 0,
      sent: 0,
      budgetSpent: true,
    });
    expect((await deliverWithinBudget(deps(), { budgetMs: 60_000, batchSize: 10 })).sent).toBe(3);
  });

  it("builds each message in the render workers and sends it as built, the same mail as one built at its send", async () => {
    await queue(2);
    const calls = { composed: 0, plain: 0 };
    const counting: Mailer = {
      ...mailer,
      send: (mail) => (calls.plain++, mailer.send(mail)),
      sendComposed: (mail) => (calls.composed++, mailer.sendComposed!(mail)),
    };
    expect(await deliverWithinBudget(deps({ mailer: counting }), { budgetMs: 60_000 })).toMatchObject({ sent: 2 });
    expect(calls).toEqual({ composed: 2, plain: 0 });
    const [first] = sink.messages;
    // The same delivery sent again, built at its send: the received mail matches in everything but
    // its Date and MIME boundary.
    const [row] = rowsOf<{ id: number }>(
      await database.db.execute(sql`select id from deliveries where recipient = ${first!.envelopeTo[0]!}`),
    );
    await database.db.execute(
      sql`update deliveries set status = 'queued', next_attempt_at = ${now.toISOString()}::timestamptz where id = ${row!.id}`,
    );
    expect(await deliverDue(deps({ mailer: { ...mailer, sendComposed: undefined } }), { limit: 10 })).toMatchObject({
      sent: 1,
    });
    const again = sink.messages[2]!;
    const shape = (m: typeof again) => ({
      messageId: m.messageId,
      envelope: [m.envelopeFrom, m.envelopeTo],
      subject: m.parsed.subject,
      from: m.parsed.from?.text,
      to: m.parsed.to && "text" in m.parsed.to ? m.parsed.to.text : null,
      text: m.parsed.text,
      html: m.parsed.html,
      headers: [...m.parsed.headers.keys()].sort(),
      autoSubmitted: m.parsed.headers.get("auto-submitted"),
    });
    expect(shape(again)).toEqual(shape(first!));
  });

  it("sends a message the workers could not build by building it at its send", async () => {
    await queue(3);
    const pool = createRenderPool({ size: 1 });
    const broken = { ...pool, compose: async (mails: unknown[]) => mails.map(() => null) };
    const calls = { composed: 0, plain: 0 };
    const counting: Mailer = {
      ...mailer,
      send: (mail) => (calls.plain++, mailer.send(mail)),
      sendComposed: (mail) => (calls.composed++, mailer.sendComposed!(mail)),
    };
    try {
      const tally = await deliverWithinBudget(
        testDeps(database, { mailer: counting, clock, settings, renderer: broken }),
        {
          budgetMs: 60_000,
        },
      );
      expect(tally).toMatchObject({ sent: 3, failed: 0, dead: 0 });
    } finally {
      await pool.close();
    }
    expect(calls).toEqual({ composed: 0, plain: 3 });
    expect(sink.messages).toHaveLength(3);
  });

  it("stops sending when an outcome cannot be written, rather than sending on with nothing recorded", async () => {
    await queue(2_000);
    // The database refuses the outcomes' statement (and nothing else): a failover, a full disk.
    const dialect = (database.db as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect;
    // The refusal comes while the next batch is being claimed, and that claim answers only after it:
    // the pass must not end (and the caller go on) while its claim is still under way.
    let claimStarted!: () => void;
    const claiming = new Promise<void>((resolve) => (claimStarted = resolve));
    let refused!: () => void;
    const refusal = new Promise<void>((resolve) => (refused = resolve));
    let claimsUnderWay = 0;
    const refusing = new Proxy(database.db, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "execute") return value;
        return async (query: unknown) => {
          const text = dialect.sqlToQuery(query).sql;
          if (text.includes("insert into delivery_attempts")) {
            await claiming;
            refused();
            throw new Error("the database went away");
          }
          const isClaim = text.includes("update mail_outbox set claimed_until");
          if (isClaim) claimsUnderWay++;
          try {
            if (isClaim && sends > 0) {
              claimStarted();
              await refusal;
            }
            return await (value as (q: unknown) => Promise<unknown>).call(target, query);
          } finally {
            if (isClaim) claimsUnderWay--;
          }
        };
      },
    });
    let sends = 0;
    const counting: Mailer = {
      ...mailer,
      send: (m) => (sends++, mailer.send(m)),
      sendComposed: (m) => (sends++, mailer.sendComposed!(m)),
    };
    await expect(
      deliverWithinBudget(testDeps({ ...database, db: refusing }, { mailer: counting, clock, settings }), {
        budgetMs: 60_000,
      }),
    ).rejects.toThrow("the database went away");
    // The first write fails; the sends already under way finish (at most 1,000 outcomes wait unwritten),
    // and nothing more starts.
    expect(sends).toBeLessThan(1_100);
    expect(claimsUnderWay).toBe(0);
  });

  it("leaves a delivery whose lease is nearly over when its turn comes, for the sender that takes it next", async () => {
    await queue(3);
    const pool = createRenderPool({ size: 1 });
    // The workers take a long while to build the batch: by then the lease it was taken under is nearly over.
    const slow = {
      ...pool,
      compose: async (mails: Parameters<typeof pool.compose>[0]) => {
        now = new Date(now.getTime() + settings.leaseMs - 1_000);
        return pool.compose(mails);
      },
    };
    try {
      const tally = await deliverWithinBudget(testDeps(database, { mailer, clock, settings, renderer: slow }), {
        budgetMs: 60_000,
      });
      expect(tally).toMatchObject({ claimed: 3, sent: 0 });
    } finally {
      await pool.close();
    }
    expect(sink.messages).toHaveLength(0);
    expect(await statuses()).toEqual([{ status: "sending", attempts: 1, n: 3 }]);
    // Once the lease is over, the next pass takes them and sends each once.
    now = new Date(now.getTime() + 2_000);
    expect(await deliverWithinBudget(deps(), { budgetMs: 60_000 })).toMatchObject({ sent: 3 });
    expect(await statuses()).toEqual([{ status: "sent", attempts: 2, n: 3 }]);
  });

  it("records outcomes while a slow server is still being sent to, not only once a batch is full", async () => {
    await queue(2);
    // The second send waits until the first one's outcome is in the database: a recorder that only
    // wrote full batches would leave it waiting for ever.
    let sends = 0;
    const slow: Mailer = {
      ...mailer,
      sendComposed: undefined,
      send: async (mail) => {
        if (++sends > 1)
          await vi.waitFor(
            async () => expect((await statuses()).find((s) => s.status === "sent")?.n ?? 0).toBeGreaterThanOrEqual(1),
            { timeout: 20_000, interval: 50 },
          );
        return mailer.send(mail);
      },
    };
    const tally = await deliverWithinBudget(deps({ mailer: slow }), { budgetMs: 60_000 });
    expect(tally).toMatchObject({ sent: 2, failed: 0 });
  }, 30_000);
});

describe("the delivery batch size", () => {
  it("starts at 100, grows to the largest batch while mail goes out fast, and shrinks so a slow server's batches go out within the lease", () => {
    let at = 0;
    const sizer = batchSizer(60_000, 500, () => at);
    expect(sizer.next(0)).toBe(100);
    // 1,000 sends a second: a sixth of the lease's worth is far past the largest batch, reached in two steps.
    at = 100;
    expect(sizer.next(100)).toBe(200);
    at = 200;
    expect(sizer.next(200)).toBe(400);
    at = 300;
    expect(sizer.next(300)).toBe(500);
    // Two sends a second: twenty sends, ten seconds' worth; three batches in hand go out in 30 s of a 60 s lease.
    at = 10_300;
    expect(sizer.next(320)).toBe(20);
    expect(sizer.size).toBe(20);
    // Nothing finished since: the size stays as it was.
    at = 20_300;
    expect(sizer.next(320)).toBe(20);
    // Slower still, never under ten.
    at = 80_300;
    expect(sizer.next(321)).toBe(10);
    expect(batchSizer(60_000, 4).next(0)).toBe(4);
  });
});
