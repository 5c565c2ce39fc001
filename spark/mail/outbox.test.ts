import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { deliveries, deliveryAttempts, events, mailTemplates, type Delivery } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { startSmtpSink, type SmtpSink } from "@/testing/smtp-sink";
import { createSmtpMailer } from "@/emails/transports/smtp";
import type { Mailer } from "@/emails/transports/types";
import { recordEvents } from "../events/record";
import { createMailHandler } from "./handler";
import { backoffMs, deliverDue } from "./outbox";
import { expandOutbox } from "./expand";
import { sweepRetention } from "./deliver-pass";
import { testDeps } from "@/testing/deps";
import { savePartial } from "./partials";
import {
  countPastEventsForTemplate,
  deleteTemplate,
  saveTemplate,
  sendForPastEvents,
  templateInput,
} from "./templates";

const settings = {
  leaseMs: 120_000,
  mail: {
    defaultFrom: "Spark <spark@example.com>",
    messageIdDomain: "example.com",
    backoffBaseMs: 60_000,
    backoffCapMs: 600_000,
    maxAttempts: 3,
  },
};

/** A template's form input to `{{ email }}`, with what a test cares about. */
const templateFields = (given: { name: string; group: string; subject: string; html: string; layout?: string }) =>
  templateInput.parse({
    active: true,
    layout: "",
    from: "",
    to: "{{ email }}",
    cc: "",
    bcc: "",
    replyTo: "",
    text: "",
    ...given,
  });

describe(`the outbox on ${testDriver}, through a real SMTP server`, () => {
  let database: Database;
  let sink: SmtpSink;
  let mailer: Mailer;
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  let seq = 0;
  const deps = () => testDeps(database, { mailer, clock, settings });

  beforeAll(async () => {
    database = await openTestDatabase();
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, connections: 2, timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await mailer?.close();
    await sink?.stop();
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.delete(deliveries);
    await database.db.delete(mailTemplates);
    sink.messages.length = 0;
    sink.rule = () => null;
  });

  async function template(values: Partial<typeof mailTemplates.$inferInsert> = {}) {
    const [row] = await database.db
      .insert(mailTemplates)
      .values({
        name: `t${++seq}`,
        groupPattern: "signup",
        subject: "Welcome {{ name }}",
        html: "<p>Hi {{ name }}</p>",
        toAddress: "{{ email }}",
        ...values,
      })
      .returning();
    return row!;
  }

  async function record(group: string, context: Record<string, unknown>) {
    const handler = await createMailHandler(deps());
    const outcome = await recordEvents(deps(), {
      events: [{ group, key: `${group}:${++seq}`, context, generatorId: null, source: null }],
      handlers: handler ? [handler] : [],
    });
    // The sender renders queued mail into deliveries before it sends them.
    await expandOutbox(deps(), { limit: 1000 });
    return outcome.recorded[0]!;
  }

  const rows = async (): Promise<Delivery[]> => database.db.select().from(deliveries).orderBy(deliveries.id);
  const deliver = (limit = 50) => deliverDue(deps(), { limit });

  it("queues a delivery with the event and sends it: the received message has its subject, bodies, headers and a Message-ID from the delivery id", async () => {
    await template({ cc: "boss@example.com", replyTo: "help@example.com" });
    const event = await record("signup", { name: "Ada", email: "ada@example.com" });
    const [queued, ccRow] = await rows();
    expect(queued).toMatchObject({
      eventId: event.id,
      status: "queued",
      recipient: "ada@example.com",
      subject: "Welcome Ada",
    });
    expect(ccRow).toMatchObject({ recipient: "boss@example.com", status: "queued" });

    expect(await deliver()).toEqual({ claimed: 2, sent: 2, failed: 0, dead: 0 });
    const [received] = sink.byRecipient("ada@example.com");
    expect(received!.parsed.subject).toBe("Welcome Ada");
    expect(received!.messageId).toBe(`<spark.delivery.${queued!.id}@example.com>`);
    expect(received!.parsed.from?.value).toEqual([{ name: "Spark", address: "spark@example.com" }]);
    expect(received!.parsed.to && "text" in received!.parsed.to ? received!.parsed.to.text : "").toBe(
      "ada@example.com",
    );
    expect(received!.parsed.cc && "text" in received!.parsed.cc ? received!.parsed.cc.text : "").toBe(
      "boss@example.com",
    );
    expect(received!.parsed.replyTo?.text).toBe("help@example.com");
    expect(received!.parsed.html).toContain("<p>Hi Ada</p>");
    expect(received!.parsed.text?.trim()).toBe("Hi Ada");
    expect(sink.byRecipient("boss@example.com")).toHaveLength(1);
    const [sent] = await rows();
    expect(sent).toMatchObject({
      status: "sent",
      attempts: 1,
      messageId: `<spark.delivery.${queued!.id}@example.com>`,
      leaseUntil: null,
    });
    expect(sent!.smtpResponse).toMatch(/^250/);
    const attempts = await database.db
      .select()
      .from(deliveryAttempts)
      .where(eq(deliveryAttempts.deliveryId, queued!.id));
    expect(attempts).toMatchObject([{ attempt: 1, outcome: "sent", error: null }]);
  });

  it("retries a 4xx after the backoff, not before, and then sends", async () => {
    await template();
    await record("signup", { name: "Ada", email: "later@example.com" });
    let refusals = 1;
    sink.rule = () => (refusals-- > 0 ? { code: 451, message: "Try again later" } : null);
    expect(await deliver()).toMatchObject({ sent: 0, failed: 1 });
    const [failed] = await rows();
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });
    expect(failed!.lastError).toMatch(/451.*Try again later/);
    const wait = failed!.nextAttemptAt.getTime() - now.getTime();
    expect(wait).toBeGreaterThanOrEqual(settings.mail.backoffBaseMs / 2);
    expect(wait).toBeLessThanOrEqual(settings.mail.backoffBaseMs);

    advance(wait - 1);
    expect(await deliver()).toMatchObject({ claimed: 0 });
    advance(1);
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    expect(sink.byRecipient("later@example.com")).toHaveLength(1);
    expect((await rows())[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("marks a 5xx dead after one attempt, with the reason, and sends the other recipients", async () => {
    await template({ toAddress: "{{ email }}, ok@example.com" });
    await record("signup", { name: "Ada", email: "gone@example.com" });
    sink.rule = (to) => (to === "gone@example.com" ? { code: 550, message: "No such user" } : null);
    expect(await deliver()).toMatchObject({ sent: 1, dead: 1, failed: 0 });
    const dead = (await rows()).find((d) => d.recipient === "gone@example.com")!;
    expect(dead).toMatchObject({ status: "dead", attempts: 1 });
    expect(dead.lastError).toMatch(/550.*No such user/);
    expect(sink.byRecipient("ok@example.com")).toHaveLength(1);
  });

  it("keeps mail while the server is down and delivers it when it is back", async () => {
    await template();
    await record("signup", { name: "Ada", email: "patient@example.com" });
    await sink.stop();
    expect(await deliver()).toMatchObject({ failed: 1, sent: 0 });
    const [failed] = await rows();
    expect(failed!.lastError).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET|connect/i);
    await sink.start();
    advance(settings.mail.backoffBaseMs);
    expect(await deliver()).toMatchObject({ sent: 1 });
    expect(sink.byRecipient("patient@example.com")).toHaveLength(1);
  });

  it("gives up after the maximum attempts and says so", async () => {
    await template();
    await record("signup", { name: "Ada", email: "flaky@example.com" });
    sink.rule = () => ({ code: 421, message: "Busy" });
    for (let i = 0; i < settings.mail.maxAttempts; i++) {
      await deliver();
      advance(settings.mail.backoffCapMs);
    }
    const [dead] = await rows();
    expect(dead).toMatchObject({ status: "dead", attempts: settings.mail.maxAttempts });
    expect(dead!.lastError).toMatch(/gave up after 3 attempts/);
  });

  it("four senders at once deliver every message exactly once", async () => {
    await template();
    for (let i = 0; i < 40; i++) await record("signup", { name: `N${i}`, email: `n${i}@example.com` });
    const senders = await Promise.all(Array.from({ length: 4 }, () => deliverDue(deps(), { limit: 15 })));
    const total = senders.reduce((n, t) => n + t.sent, 0);
    const more = await deliver(100);
    expect(total + more.sent).toBe(40);
    const ids = sink.messages.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(40);
    expect(ids).toHaveLength(40);
    expect((await rows()).every((d) => d.status === "sent")).toBe(true);
  });

  it("takes a row left in sending by a crashed sender once its lease runs out, and sends it once", async () => {
    await template();
    await record("signup", { name: "Ada", email: "stuck@example.com" });
    const [row] = await rows();
    await database.db
      .update(deliveries)
      .set({ status: "sending", attempts: 1, leaseUntil: new Date(now.getTime() + settings.leaseMs) })
      .where(eq(deliveries.id, row!.id));
    expect(await deliver()).toMatchObject({ claimed: 0 });
    advance(settings.leaseMs);
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    expect(await deliver()).toMatchObject({ claimed: 0 });
    expect(sink.byRecipient("stuck@example.com")).toHaveLength(1);
    expect((await rows())[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("records the event and a dead delivery with the reason when a template cannot render", async () => {
    const broken = await template({ subject: "About {{ challenge.title }}" });
    const event = await record("signup", { name: "Ada", email: "ada@example.com", challenge: { id: 1 } });
    expect(await database.db.select({ id: events.id }).from(events).where(eq(events.id, event.id))).toHaveLength(1);
    const [dead] = await rows();
    expect(dead).toMatchObject({ status: "dead", recipient: "", eventId: event.id });
    expect(dead!.lastError).toBe(
      `Template “${broken.name}”, Subject: \`challenge.title\` is not defined (line 1, column 10)`,
    );
    expect(await deliver()).toMatchObject({ claimed: 0 });
  });

  it("sends one mail per template when two templates match a group, exact or by wildcard", async () => {
    await template({ name: "exact", groupPattern: "signup", subject: "One" });
    await template({ name: "wild", groupPattern: "sign*", subject: "Two" });
    await template({ name: "other", groupPattern: "signout", subject: "Never" });
    await record("signup", { name: "Ada", email: "both@example.com" });
    await deliver();
    expect(
      sink
        .byRecipient("both@example.com")
        .map((m) => m.parsed.subject)
        .sort(),
    ).toEqual(["One", "Two"]);
  });

  it("backs off exponentially with jitter up to the cap", () => {
    const s = { backoffBaseMs: 1000, backoffCapMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, s, () => 1))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect([1, 2, 3].map((a) => backoffMs(a, s, () => 0))).toEqual([500, 1000, 2000]);
  });

  it("retention deletes old sent deliveries in batches and never an unsent one", async () => {
    await template();
    for (let i = 0; i < 5; i++) await record("signup", { name: "Old", email: `old${i}@example.com` });
    await deliver();
    await record("signup", { name: "Queued", email: "queued@example.com" });
    await record("signup", { name: "Dead", email: "dead@example.com" });
    await database.db.update(deliveries).set({ status: "dead" }).where(eq(deliveries.recipient, "dead@example.com"));
    await database.db.execute(
      sql`update deliveries set sent_at = ${new Date(now.getTime() - 40 * 86_400_000).toISOString()}::timestamptz, created_at = ${new Date(now.getTime() - 40 * 86_400_000).toISOString()}::timestamptz`,
    );
    const swept = await sweepRetention(testDeps(database, { clock, settings: { retentionDays: 30 } }), {
      batchSize: 2,
    });
    expect(swept.deliveries).toBe(5);
    expect((await rows()).map((d) => d.recipient).sort()).toEqual(["dead@example.com", "queued@example.com"]);
  });

  it("renders queued mail with the template version and layout it was queued with, not later edits", async () => {
    const layout = await savePartial(deps(), {
      input: { name: "frame", kind: "layout", body: "<div class='v1'>{{ content }}</div>" },
      by: null,
    });
    if (layout.status !== "ok") throw new Error("layout not saved");
    const fields = (subject: string) =>
      templateFields({ name: "pinned", group: "pin", layout: "frame", subject, html: "<p>Hi {{ name }}</p>" });
    const saved = await saveTemplate(deps(), { input: fields("First version"), by: null });
    if (saved.status !== "ok") throw new Error("template not saved");
    const handler = await createMailHandler(deps());
    await recordEvents(deps(), {
      events: [
        {
          group: "pin",
          key: "pin:1",
          context: { name: "Ada", email: "pin@example.com" },
          generatorId: null,
          source: null,
        },
      ],
      handlers: [handler!],
    });
    // Edited after the event was recorded, before its mail is rendered.
    expect(
      (await saveTemplate(deps(), { id: saved.template.id, input: fields("Second version"), by: null })).status,
    ).toBe("ok");
    expect(
      (
        await savePartial(deps(), {
          id: layout.partial.id,
          input: { name: "frame", kind: "layout", body: "<div class='v2'>{{ content }}</div>" },
          by: null,
        })
      ).status,
    ).toBe("ok");
    expect(await expandOutbox(deps(), { limit: 10 })).toMatchObject({ claimed: 1, queued: 1, dead: 0 });
    const [row] = await rows();
    expect(row).toMatchObject({ subject: "First version", templateVersion: 1, recipient: "pin@example.com" });
    expect(row!.html).toContain("class='v1'");
    expect(row!.html).not.toContain("v2");
  });

  it("renders a batch that mixes template versions with each row's own version", async () => {
    const fields = (subject: string) =>
      templateFields({ name: "mixed", group: "mix", subject, html: "<p>{{ n }}</p>" });
    const saved = await saveTemplate(deps(), { input: fields("Version one {{ n }}"), by: null });
    if (saved.status !== "ok") throw new Error("template not saved");
    const queue = async (ns: number[]) => {
      const handler = await createMailHandler(deps());
      await recordEvents(deps(), {
        events: ns.map((n) => ({
          group: "mix",
          key: `mix:${n}`,
          context: { n, email: `m${n}@example.com` },
          generatorId: null,
          source: null,
        })),
        handlers: [handler!],
      });
    };
    await queue([1, 2]);
    await saveTemplate(deps(), { id: saved.template.id, input: fields("Version two {{ n }}"), by: null });
    await queue([3, 4]);
    await saveTemplate(deps(), { id: saved.template.id, input: fields("Version three {{ n }}"), by: null });
    await queue([5]);
    // One claim takes all five: each row's template fields come from its own version.
    expect(await expandOutbox(deps(), { limit: 10 })).toMatchObject({ claimed: 5, queued: 5, dead: 0 });
    expect((await rows()).map((r) => [r.subject, r.templateVersion])).toEqual([
      ["Version one 1", 1],
      ["Version one 2", 1],
      ["Version two 3", 2],
      ["Version two 4", 2],
      ["Version three 5", 3],
    ]);
  });

  it("drops queued mail of an event that was rolled back, and makes a dead delivery when its template was deleted", async () => {
    const gone = await template({ name: "gone", groupPattern: "gone" });
    const handler = await createMailHandler(deps());
    await recordEvents(deps(), {
      events: [
        {
          group: "gone",
          key: "gone:1",
          context: { name: "A", email: "a@example.com" },
          generatorId: null,
          source: null,
        },
      ],
      handlers: [handler!],
    });
    await deleteTemplate(deps(), { id: gone.id });
    await database.db.execute(
      sql`insert into mail_outbox (event_id, template_id, template_version, partials_revision) values (987654321, ${gone.id}, 1, 0)`,
    );
    expect(await expandOutbox(deps(), { limit: 10 })).toMatchObject({ claimed: 2, queued: 0, dead: 1 });
    const [dead] = await rows();
    expect(dead).toMatchObject({ status: "dead", lastError: "Its template was deleted before the mail was sent." });
    expect(await expandOutbox(deps(), { limit: 10 })).toMatchObject({ claimed: 0 });
  });

  it("sends for past events once: events recorded before their template get its mail after a confirmed count", async () => {
    await recordEvents(deps(), {
      events: ["a", "b"].map((n) => ({
        group: "late_group",
        key: `late_group:${n}`,
        context: { name: n, email: `late-${n}@example.com` },
        generatorId: null,
        source: null,
      })),
      handlers: [],
    });
    const saved = await saveTemplate(deps(), {
      input: templateInput.parse({
        name: "late",
        group: "late_*",
        active: true,
        from: "",
        to: "{{ email }}",
        cc: "",
        bcc: "",
        replyTo: "",
        subject: "Hello {{ name }}",
        html: "",
        text: "Body",
      }),
      by: null,
    });
    if (saved.status !== "ok") throw new Error("template not saved");
    // Events take their time from the database, so the range is around the real now.
    const range = { id: saved.template.id, from: new Date(Date.now() - 86_400_000), to: new Date() };
    expect(await countPastEventsForTemplate(deps(), range)).toEqual({ ok: true, count: 2, group: "late_*" });
    const [first, second] = await Promise.all([sendForPastEvents(deps(), range), sendForPastEvents(deps(), range)]);
    expect([first, second].map((r) => (r.ok ? r.queued : -1)).sort()).toEqual([0, 2]);
    expect(await countPastEventsForTemplate(deps(), range)).toEqual({ ok: true, count: 0, group: "late_*" });
    await expandOutbox(deps(), { limit: 10 });
    await deliver();
    expect(sink.byRecipient("late-a@example.com")).toHaveLength(1);
    expect(sink.byRecipient("late-b@example.com")).toHaveLength(1);
    expect(await countPastEventsForTemplate(deps(), range)).toEqual({ ok: true, count: 0, group: "late_*" });
  });
});
