import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents, listEventLogPage, type EventLogCursor, type EventLogFilters } from "@/db/queries/events";
import { insertImportedEvents } from "@/db/queries/imported-events";
import { sql } from "drizzle-orm";
import { events, mailTemplates } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { eventFilterQuery, loadEventDetail, loadEventLog, parseEventFilters, parseTimeFilter } from "./event-log";

const GEN_A = "00000000-0000-4000-8000-00000000000a";
const GEN_B = "00000000-0000-4000-8000-00000000000b";

describe("event log filters from the URL", () => {
  it("keeps sensible filters and names each one it ignores", () => {
    const { filters, page, ignored } = parseEventFilters({
      group: "challenge_created",
      key: "12",
      origin: `generator:${GEN_A}`,
      from: "2026-11-01",
      to: "yesterday",
      failing: "1",
      before: "12abc",
    });
    expect(filters).toEqual({
      group: "challenge_created",
      key: "12",
      generatorId: GEN_A,
      from: new Date("2026-11-01T00:00:00Z"),
      failing: true,
    });
    expect(page).toBeNull();
    expect(ignored).toEqual([
      { name: "to", message: "'yesterday' is not a date; use 2026-11-02 or 2026-11-02T14:30 (UTC)." },
      { name: "before", message: "The page link was damaged; showing the newest rows." },
    ]);
  });

  it("refuses a group with spaces, an origin it cannot read, and a range that ends before it starts", () => {
    const { filters, ignored } = parseEventFilters({
      group: "no spaces please",
      origin: "generator:42",
      from: "2026-11-05",
      to: "2026-11-01T10:00",
    });
    expect(filters).toEqual({ from: new Date("2026-11-05T00:00:00Z") });
    expect(ignored.map((i) => i.name)).toEqual(["group", "origin", "to"]);
  });

  it("reads date-times without a zone as UTC and refuses free text", () => {
    expect(parseTimeFilter("2026-11-02T14:30")).toEqual(new Date("2026-11-02T14:30:00Z"));
    expect(parseTimeFilter("2026-11-02T14:30:00+02:00")).toEqual(new Date("2026-11-02T12:30:00Z"));
    expect(parseTimeFilter("2026-02-31")).toBeNull();
    expect(parseTimeFilter("1 Nov")).toBeNull();
  });

  it("writes filters back into the same URL it reads", () => {
    const query = eventFilterQuery(
      { group: "g", key: "a b", source: "code:challenges", from: new Date("2026-11-01T08:00:00Z") },
      { before: "1795411041316123.42" },
    );
    expect(query).toBe(
      "?group=g&key=a+b&origin=source%3Acode%3Achallenges&from=2026-11-01T08%3A00&before=1795411041316123.42",
    );
    const back = parseEventFilters(Object.fromEntries(new URLSearchParams(query)));
    expect(back.filters).toEqual({
      group: "g",
      key: "a b",
      source: "code:challenges",
      from: new Date("2026-11-01T08:00:00Z"),
    });
    expect(back.page).toEqual({ before: { micros: "1795411041316123", id: 42 } });
  });
});

describe(`event log pages on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
    const batch = Array.from({ length: 25 }, (_, i) => ({
      group: i % 2 === 0 ? "even" : "odd",
      key: `${i % 2 === 0 ? "even" : "odd"}:${i}${i === 7 ? "_x%" : ""}`,
      context: { i },
      generatorId: i < 10 ? GEN_A : GEN_B,
      source: i < 20 ? "code:people" : "sql:other",
    }));
    await insertNewEvents(database.db, { events: batch, jobRunId: null });
  });
  afterAll(async () => {
    await database?.close();
  });

  const page = (filters: EventLogFilters, cursor: EventLogCursor = null, limit = 10) =>
    listEventLogPage(database.db, { filters, cursor, limit });
  const contexts = (rows: { key: string }[]) => rows.map((r) => Number(r.key.split(":")[1]!.replace(/\D.*$/, "")));

  it("walks every event newest first with no row skipped or repeated, while new events arrive", async () => {
    const seen: number[] = [];
    let cursor: EventLogCursor = null;
    let pages = 0;
    for (;;) {
      const result = await page({}, cursor, 10);
      seen.push(...contexts(result.rows));
      pages++;
      await insertNewEvents(database.db, {
        events: [{ group: "late", key: `late:${pages}`, context: {}, generatorId: null, source: null }],
        jobRunId: null,
      });
      if (result.older === null) break;
      cursor = { before: result.older };
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    await database.db.delete(events).where((await import("drizzle-orm")).like(events.key, "late:%"));
  });

  it("pages back to newer rows with the same boundaries", async () => {
    const first = await page({}, null, 10);
    const second = await page({}, { before: first.older! }, 10);
    expect(second.newer).not.toBeNull();
    const back = await page({}, { after: second.newer! }, 10);
    expect(contexts(back.rows)).toEqual(contexts(first.rows));
    expect(back.newer).toBeNull();
    const last = await page({}, { before: second.older! }, 10);
    expect(contexts(last.rows)).toEqual([4, 3, 2, 1, 0]);
    expect(last.older).toBeNull();
  });

  it("orders by recording time, then id, and pages through events recorded in the same transaction", async () => {
    const { sql } = await import("drizzle-orm");
    await insertNewEvents(database.db, {
      events: ["t:1", "t:2", "t:3"].map((key) => ({
        group: "timed",
        key,
        context: {},
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    // t:1 was recorded last (its transaction started later): it comes first, before ids say so.
    await database.db.execute(sql`update events set created_at = created_at + interval '1 hour' where key = 't:1'`);
    const first = await page({ group: "timed" }, null, 2);
    expect(first.rows.map((r) => r.key)).toEqual(["t:1", "t:3"]);
    const second = await page({ group: "timed" }, { before: first.older! }, 2);
    expect(second.rows.map((r) => r.key)).toEqual(["t:2"]);
    expect(second.older).toBeNull();
    const back = await page({ group: "timed" }, { after: second.newer! }, 2);
    expect(back.rows.map((r) => r.key)).toEqual(["t:1", "t:3"]);
    await database.db.execute(sql`delete from events where event_group = 'timed'`);
  });

  it("stops exactly at a page boundary without an empty extra page", async () => {
    const result = await page({ group: "odd" }, null, 12);
    expect(result.rows).toHaveLength(12);
    expect(result.older).toBeNull();
  });

  it("filters by group, key text (with % and _ taken literally), generator, source and time", async () => {
    expect(contexts((await page({ group: "odd" }, null, 50)).rows)).toEqual([
      23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1,
    ]);
    expect(contexts((await page({ key: "_x%" }, null, 50)).rows)).toEqual([7]);
    expect(contexts((await page({ key: "EVEN:2" }, null, 50)).rows)).toEqual([24, 22, 20, 2]);
    expect(contexts((await page({ generatorId: GEN_A, group: "even" }, null, 50)).rows)).toEqual([8, 6, 4, 2, 0]);
    expect(contexts((await page({ source: "sql:other" }, null, 50)).rows)).toEqual([24, 23, 22, 21, 20]);
    expect((await page({ from: new Date(Date.now() + 60_000) }, null, 50)).rows).toEqual([]);
    expect(
      (await page({ to: new Date(Date.now() + 60_000), from: new Date(Date.now() - 3_600_000) }, null, 50)).rows,
    ).toHaveLength(25);
  });
});

describe(`event counts for the dashboard on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("counts events per UTC hour and day, and per group, since a time", async () => {
    const { countEventsByBucketSince, countEventsByGroupSince } = await import("@/db/queries/events");
    await insertNewEvents(database.db, {
      events: ["a:1", "a:2", "b:1"].map((key) => ({
        group: key.split(":")[0]!,
        key,
        context: {},
        generatorId: null,
        source: null,
      })),
      jobRunId: null,
    });
    const { sql } = await import("drizzle-orm");
    await database.db.execute(sql`update events set created_at = '2026-11-20T10:15:00Z' where key = 'a:1'`);
    await database.db.execute(sql`update events set created_at = '2026-11-20T10:45:00Z' where key = 'a:2'`);
    await database.db.execute(sql`update events set created_at = '2026-11-21T23:59:00Z' where key = 'b:1'`);
    const since = new Date("2026-11-20T00:00:00Z");
    expect(await countEventsByBucketSince(database.db, { since, bucket: "hour" })).toEqual([
      { at: new Date("2026-11-20T10:00:00Z"), events: 2 },
      { at: new Date("2026-11-21T23:00:00Z"), events: 1 },
    ]);
    expect(await countEventsByBucketSince(database.db, { since, bucket: "day" })).toEqual([
      { at: new Date("2026-11-20T00:00:00Z"), events: 2 },
      { at: new Date("2026-11-21T00:00:00Z"), events: 1 },
    ]);
    expect(await countEventsByGroupSince(database.db, { since: new Date("2026-11-21T00:00:00Z") })).toEqual([
      { group: "b", events: 1 },
    ]);
  });
});

describe(`an event's page on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("offers the template written after the event instead of 'Write a template', and counts mail waiting in the outbox", async () => {
    const [event] = await insertNewEvents(database.db, {
      events: [{ group: "signup_late", key: "signup_late:1", context: {}, generatorId: null, source: null }],
      jobRunId: null,
    });
    const before = await loadEventDetail(database.db, String(event!.id), { sources: [] });
    expect(before).toMatchObject({ templates: [], pendingMail: 0, deliveries: [] });
    const [template] = await database.db
      .insert(mailTemplates)
      .values({ name: "Late welcome", groupPattern: "signup_*", subject: "Hi", text: "x", toAddress: "a@example.com" })
      .returning();
    await database.db.execute(
      sql`insert into mail_outbox (event_id, template_id, template_version, partials_revision) values (${event!.id}, ${template!.id}, 1, 0)`,
    );
    const after = await loadEventDetail(database.db, String(event!.id), { sources: [] });
    expect(after).toMatchObject({ templates: [{ id: template!.id, name: "Late welcome" }], pendingMail: 1 });
  });
});

describe("event origins in the URL", () => {
  const KEY = "6F9619FF-8B86-4011-B42D-00C04FC964FF";

  it("reads API key and outbox origins by uuid, lowercased as the database writes them", () => {
    expect(parseEventFilters({ origin: `source:api:${KEY}` }).filters).toEqual({ source: `api:${KEY.toLowerCase()}` });
    expect(parseEventFilters({ origin: `source:outbox:${GEN_A}` }).filters).toEqual({ source: `outbox:${GEN_A}` });
    const query = eventFilterQuery({ source: `api:${GEN_B}` });
    expect(parseEventFilters(Object.fromEntries(new URLSearchParams(query))).filters).toEqual({
      source: `api:${GEN_B}`,
    });
  });

  it.each([
    "source:api:deploy-bot",
    "source:api:",
    "source:outbox:42",
    `source:webhook:${GEN_A}`,
    `source:api:${GEN_A}x`,
  ])("ignores %s and says so", (origin) => {
    const { filters, ignored } = parseEventFilters({ origin });
    expect(filters).toEqual({});
    expect(ignored).toEqual([{ name: "origin", message: "Pick a generator or a source from the list." }]);
  });
});

describe(`events from API keys and outbox tables on ${testDriver}`, () => {
  let database: Database;
  const ids = { live: "", revoked: "", outbox: "", inbound: "" };
  const GONE = "00000000-0000-4000-8000-0000000000ff";

  beforeAll(async () => {
    database = await openTestDatabase();
    const { insertApiKey, revokeApiKeyById } = await import("@/db/queries/api-keys");
    const { outboxSources } = await import("@/db/schema");
    const { SAMPLE_CONNECTION_ID } = await import("@/db/queries/connections");
    const key = (name: string) =>
      insertApiKey(database.db, {
        name,
        prefix: "spk_abcdef",
        secretHash: `hash-${name}`,
        scopes: ["ingest"],
        by: null,
      });
    ids.live = (await key("deploy-bot"))!.id;
    ids.revoked = (await key("old-bot"))!.id;
    await revokeApiKeyById(database.db, { id: ids.revoked, at: new Date(), by: null });
    const [outbox] = await database.db
      .insert(outboxSources)
      .values({ name: "orders", connectionId: SAMPLE_CONNECTION_ID, tableName: "spark_outbox" })
      .returning();
    ids.outbox = outbox!.id;
    const { inbounds } = await import("@/db/schema");
    const [inbound] = await database.db
      .insert(inbounds)
      .values({ name: "orders-queue", kind: "rabbitmq", target: "sealed", config: { queue: "orders" } })
      .returning();
    ids.inbound = inbound!.id;
    await insertNewEvents(database.db, {
      events: [
        { group: "signup", key: "signup:1", context: {}, generatorId: null, source: `api:${ids.live}` },
        { group: "signup", key: "signup:2", context: {}, generatorId: null, source: `api:${ids.revoked}` },
        { group: "order", key: "order:1", context: {}, generatorId: null, source: `outbox:${ids.outbox}` },
        { group: "order", key: "order:2", context: {}, generatorId: null, source: `api:${GONE}` },
        { group: "plain", key: "plain:1", context: {}, generatorId: null, source: null },
        { group: "paid", key: "paid:1", context: {}, generatorId: null, source: `inbound:${ids.inbound}` },
        { group: "paid", key: "paid:2", context: {}, generatorId: null, source: `inbound:${GONE}` },
      ],
      jobRunId: null,
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("labels each event with the key or outbox that recorded it", async () => {
    const view = await loadEventLog(database.db, {}, { sources: [] });
    expect(Object.fromEntries(view.rows.map((r) => [r.key, r.origin]))).toEqual({
      "signup:1": 'API key "deploy-bot"',
      "signup:2": 'API key "old-bot"',
      "order:1": 'Outbox "orders"',
      "order:2": "API key (unknown)",
      "plain:1": "recorded by code",
      "paid:1": 'Inbound "orders-queue"',
      "paid:2": "Inbound (deleted)",
    });
  });

  it("offers API keys (revoked ones marked) and outbox tables in the origin filter, and filters by them", async () => {
    const view = await loadEventLog(database.db, { origin: `source:api:${ids.revoked}` }, { sources: [] });
    expect(view.sources).toEqual([
      { ref: `api:${ids.live}`, kind: "api", label: 'API key "deploy-bot"', revoked: false },
      { ref: `api:${ids.revoked}`, kind: "api", label: 'API key "old-bot"', revoked: true },
      { ref: `outbox:${ids.outbox}`, kind: "outbox", label: 'Outbox "orders"' },
      { ref: `inbound:${ids.inbound}`, kind: "inbound", label: 'Inbound "orders-queue"' },
    ]);
    expect(view.rows.map((r) => r.key)).toEqual(["signup:2"]);
    const outbox = await loadEventLog(database.db, { origin: `source:outbox:${ids.outbox}` }, { sources: [] });
    expect(outbox.rows.map((r) => r.key)).toEqual(["order:1"]);
    const inbound = await loadEventLog(database.db, { origin: `source:inbound:${ids.inbound}` }, { sources: [] });
    expect(inbound.rows.map((r) => r.key)).toEqual(["paid:1"]);
  });

  it("names the key or outbox on the event's page", async () => {
    const view = await loadEventLog(database.db, {}, { sources: [] });
    const idOf = (key: string) => String(view.rows.find((r) => r.key === key)!.id);
    expect((await loadEventDetail(database.db, idOf("signup:1"), { sources: [] }))?.sourceLabel).toBe(
      'API key "deploy-bot"',
    );
    expect((await loadEventDetail(database.db, idOf("order:1"), { sources: [] }))?.sourceLabel).toBe('Outbox "orders"');
    expect((await loadEventDetail(database.db, idOf("plain:1"), { sources: [] }))?.sourceLabel).toBeNull();
  });
});

describe(`keys imported from django-spark in the event log on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
    await insertImportedEvents(database.db, {
      events: [
        {
          group: "challenge_created",
          key: "challenge_created:1",
          context: { django_spark_key: "challenge_created_1" },
          source: "import:django-spark",
          createdAt: new Date("2024-03-01T10:00:00Z"),
        },
      ],
    });
    await insertNewEvents(database.db, {
      events: [
        { group: "challenge_created", key: "challenge_created:2", context: {}, generatorId: null, source: null },
      ],
      jobRunId: null,
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("labels them as imported from django-spark and filters by that origin", async () => {
    const view = await loadEventLog(database.db, {}, { sources: [] });
    expect(Object.fromEntries(view.rows.map((r) => [r.key, r.origin]))).toEqual({
      "challenge_created:1": "Imported from django-spark",
      "challenge_created:2": "recorded by code",
    });
    const imported = await loadEventLog(database.db, { origin: "source:import:django-spark" }, { sources: [] });
    expect(imported.rows.map((r) => r.key)).toEqual(["challenge_created:1"]);
    expect(imported.ignored).toEqual([]);
  });
});
