import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { listTemplateVersions } from "@/db/queries/templates";
import { actionReceipts, capturedMails, deliveries, mailTemplates } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { createCaptureMailer } from "@/emails/transports/capture";
import { simpleParser } from "mailparser";
import { testDeps } from "@/testing/deps";
import {
  previewTemplate,
  restoreTemplateVersion,
  saveTemplate,
  sendTestMail,
  templateInput,
  type TemplateFields,
} from "./templates";

const settings = { mail: { defaultFrom: "Spark <spark@example.com>", messageIdDomain: "example.com" } };
const input = (over: Partial<TemplateFields> = {}): TemplateFields =>
  templateInput.parse({
    name: "Welcome",
    group: "challenge_*",
    active: true,
    from: "",
    to: "{{ owner_email }}",
    cc: "",
    bcc: "",
    replyTo: "",
    subject: "Hi {{ owner_name }}",
    html: "<p>{{ title }}</p>",
    text: "",
    ...over,
  });

describe(`mail templates on ${testDriver}`, () => {
  let database: Database;
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;
  const deps = () => testDeps(database, { clock, settings });
  beforeAll(async () => {
    database = await openTestDatabase();
    await insertNewEvents(database.db, {
      events: [
        {
          group: "challenge_created",
          key: "challenge_created:1",
          context: { owner_name: "Ada", owner_email: "ada@example.com", title: "Run <fast> & far" },
          generatorId: null,
          source: null,
        },
        { group: "other", key: "other:1", context: { owner_name: "Nope" }, generatorId: null, source: null },
      ],
      jobRunId: null,
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("refuses a template with a Liquid syntax error, naming the field, line and column, and saves nothing", async () => {
    const result = await saveTemplate(deps(), {
      input: input({ html: "<p>\n  {% if title %}{{ title }}</p>", subject: "Hi {{ owner_name " }),
      by: null,
    });
    expect(result).toEqual({
      status: "invalid",
      fieldErrors: {
        html: ["Tag {% if title %} not closed (line 2, column 3)"],
        subject: [expect.stringMatching(/\(line 1, column 4\)$/)],
      },
    });
    expect((await database.db.select({ n: count() }).from(mailTemplates))[0]!.n).toBe(0);
  });

  it("refuses wildcard patterns that are too long or hold other characters", () => {
    expect(templateInput.safeParse({ ...input(), group: "*".repeat(101) }).error?.issues[0]?.message).toBe(
      "Use at most 100 characters.",
    );
    expect(templateInput.safeParse({ ...input(), group: "challenge_(.*)" }).error?.issues[0]?.message).toBe(
      "Use letters, digits, _ . : - and * as a wildcard; no spaces.",
    );
  });

  it("keeps every save as a version with who and when, and restores an old one as a new version", async () => {
    const first = await saveTemplate(deps(), { input: input(), by: null });
    if (first.status !== "ok") throw new Error(JSON.stringify(first));
    now = new Date("2030-01-02T00:00:00Z");
    const second = await saveTemplate(deps(), {
      id: first.template.id,
      input: input({ subject: "Hello {{ owner_name }}" }),
      by: null,
    });
    expect(second).toMatchObject({ status: "ok", template: { version: 2, subject: "Hello {{ owner_name }}" } });
    const restored = await restoreTemplateVersion(deps(), { id: first.template.id, version: 1, by: null });
    expect(restored).toMatchObject({ status: "ok", template: { version: 3, subject: "Hi {{ owner_name }}" } });
    const versions = await listTemplateVersions(database.db, { templateId: first.template.id });
    expect(versions.map((v) => [v.version, v.note, v.fields.subject])).toEqual([
      [3, "restored version 1", "Hi {{ owner_name }}"],
      [2, "edited", "Hello {{ owner_name }}"],
      [1, "created", "Hi {{ owner_name }}"],
    ]);
    expect(versions[1]!.createdAt).toEqual(new Date("2030-01-02T00:00:00Z"));
    const clash = await saveTemplate(deps(), { input: input({ name: "WELCOME" }), by: null });
    expect(clash).toEqual({ status: "invalid", fieldErrors: { name: ["Another template has this name."] } });
  });

  it("previews on the newest event of a matching group, or on typed JSON, and says what is wrong under the field", async () => {
    const onEvent = await previewTemplate(deps(), { fields: input(), context: { kind: "event", eventId: null } });
    expect(onEvent.events.map((e) => e.key)).toEqual(["challenge_created:1"]);
    expect(onEvent.mail).toMatchObject({
      subject: "Hi Ada",
      to: ["ada@example.com"],
      from: "Spark <spark@example.com>",
    });
    expect(onEvent.mail!.html).toContain("<p>Run &lt;fast&gt; &amp; far</p>");

    const onJson = await previewTemplate(deps(), {
      fields: input(),
      context: { kind: "json", json: '{"owner_name":"Grace","owner_email":"g@example.com","title":"T"}' },
    });
    expect(onJson.mail).toMatchObject({ subject: "Hi Grace", to: ["g@example.com"] });

    const missing = await previewTemplate(deps(), {
      fields: input({ subject: "Hi {{ owner.name }}" }),
      context: { kind: "json", json: '{"owner_email":"g@example.com","title":"T"}' },
    });
    expect(missing.fieldErrors).toEqual({ subject: "`owner` is not defined (line 1, column 7)" });
    const badJson = await previewTemplate(deps(), { fields: input(), context: { kind: "json", json: "{nope" } });
    expect(badJson.contextError).toMatch(/^The JSON does not parse/);
  });

  it("sends a test to one address, logged as a test delivery, through the capture transport", async () => {
    const mailer = createCaptureMailer({
      store: async (m) => {
        await database.db.insert(capturedMails).values({
          messageId: m.messageId,
          envelopeFrom: m.envelope.from,
          envelopeTo: m.envelope.to,
          headers: m.headers,
          subject: m.subject,
          html: m.html,
          text: m.text,
          raw: m.raw,
        });
      },
    });
    const result = await sendTestMail(testDeps(database, { mailer, clock, settings }), {
      fields: input(),
      context: { kind: "event", eventId: null },
      address: "tester@example.com",
      by: null,
      templateId: null,
    });
    expect(result).toMatchObject({
      ok: true,
      message: "Sent to tester@example.com: it is in the Inbox (no SMTP_URL is set).",
    });
    const [delivery] = await database.db.select().from(deliveries).where(eq(deliveries.isTest, true));
    expect(delivery).toMatchObject({
      status: "sent",
      recipient: "tester@example.com",
      subject: "[Test] Hi Ada",
      attempts: 1,
    });
    const [captured] = await database.db.select().from(capturedMails);
    const parsed = await simpleParser(captured!.raw);
    expect(parsed.subject).toBe("[Test] Hi Ada");
    expect(parsed.messageId).toBe(`<spark.delivery.${delivery!.id}@example.com>`);
    expect(
      await sendTestMail(testDeps(database, { mailer, clock, settings }), {
        fields: input(),
        context: { kind: "event", eventId: null },
        address: "not an address",
        by: null,
        templateId: null,
      }),
    ).toEqual({
      ok: false,
      message: "Enter one email address to send the test to.",
    });
  });
  it("sends a test once per click: the same token again, doubled or replayed, sends nothing and answers the first outcome", async () => {
    const sent: string[] = [];
    const mailer = createCaptureMailer({ store: async (m) => void sent.push(m.messageId) });
    const d = testDeps(database, { mailer, clock, settings });
    const click = {
      fields: input(),
      context: { kind: "event", eventId: null } as const,
      address: "twice@example.com",
      by: null,
      templateId: null,
      token: "6f1c4b1e-2d3a-4c5b-8d6e-7f8091a2b3c4",
    };
    const [first, doubled] = await Promise.all([sendTestMail(d, click), sendTestMail(d, click)]);
    // One of the two sends; the other finds the click taken, under way or answered.
    const fresh = [first, doubled].filter((a) => !/already being sent|nothing was sent again/.test(a.message));
    expect(fresh).toMatchObject([{ ok: true, message: expect.stringMatching(/^Sent to twice@example.com/) }]);
    const replayed = await sendTestMail(d, click);
    expect(replayed).toMatchObject({ ok: true, message: expect.stringContaining("nothing was sent again") });
    expect(sent).toHaveLength(1);
    const tests = await database.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.isTest, true), eq(deliveries.recipient, "twice@example.com")));
    expect(tests).toHaveLength(1);
    // A new click carries a new token and sends again.
    expect(await sendTestMail(d, { ...click, token: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" })).toMatchObject({
      ok: true,
    });
    expect(sent).toHaveLength(2);
  });
  it("takes no token for a refused address, so the corrected click with that token still sends", async () => {
    const sent: string[] = [];
    const mailer = createCaptureMailer({ store: async (m) => void sent.push(m.messageId) });
    const d = testDeps(database, { mailer, clock, settings });
    const click = {
      fields: input(),
      context: { kind: "event", eventId: null } as const,
      address: "not an address",
      by: null,
      templateId: null,
      token: "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    };
    expect(await sendTestMail(d, click)).toEqual({
      ok: false,
      message: "Enter one email address to send the test to.",
    });
    const receipts = await database.db.select().from(actionReceipts).where(eq(actionReceipts.token, click.token));
    expect(receipts).toEqual([]);
    expect(await sendTestMail(d, { ...click, address: "fixed@example.com" })).toMatchObject({ ok: true });
    expect(sent).toHaveLength(1);
  });
});
