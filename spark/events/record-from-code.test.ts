import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { deliveries } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { createMetrics } from "../metrics";
import type { Handler } from "./handlers";
import { recordEventsFromCode } from "./record-from-code";

let seq = 0;
const unique = (prefix: string) => `${prefix}:${++seq}`;

describe(`recording events from code on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("process_events(only_new_events(...)): each key once, handlers and spark_mail in the event's transaction, duplicates and bad items answered, a throwing handler keeps nothing", async () => {
    const seen: string[] = [];
    const audit: Handler = {
      name: "audit",
      group: "^signup$",
      handle: (event) => {
        if (event.context.explode) throw new Error("audit refused it");
        seen.push(event.key);
      },
    };
    const metrics = createMetrics();
    const deps = testDeps(database, { handlers: [audit], metrics });
    const [a, b, bad] = [unique("signup"), unique("signup"), unique("signup")];
    const results = await recordEventsFromCode(deps, {
      source: "code:signups",
      events: [
        { group: "signup", key: a, context: { spark_mail: { to: "ada@example.com", subject: "Welcome", body: "Hi" } } },
        { group: "signup", key: a },
        { group: "not a group", key: unique("x") },
        { group: "signup", key: b },
        { group: "signup", key: bad, context: { explode: true } },
      ],
    });
    expect(results.map((r) => r.status)).toEqual(["recorded", "duplicate", "invalid", "recorded", "failed"]);
    expect(results[4]).toMatchObject({ message: 'The handler "audit" failed: audit refused it' });
    expect(seen).toEqual([a, b]);

    const again = await recordEventsFromCode(deps, { source: "code:signups", events: [{ group: "signup", key: a }] });
    expect(again).toEqual([{ key: a, status: "duplicate" }]);
    expect(seen).toEqual([a, b]);

    const stored = rowsOf<{ key: string; source: string }>(
      await database.db.execute(sql`select key, source from events where key in ${[a, b, bad]} order by id`),
    );
    expect(stored).toEqual([
      { key: a, source: "code:signups" },
      { key: b, source: "code:signups" },
    ]);
    const id = (results[0] as { id: number }).id;
    const mail = await database.db.select().from(deliveries).where(eq(deliveries.eventId, id));
    expect(mail.map((d) => [d.status, d.recipient])).toEqual([["queued", "ada@example.com"]]);
    expect((await metrics.eventsRecorded.get()).values).toEqual([
      { labels: { group: "signup", origin: "code" }, value: 2 },
    ]);
  });

  it("refuses a source that is not code:<name> and more than 1,000 events in one call", async () => {
    const deps = testDeps(database);
    await expect(
      recordEventsFromCode(deps, { source: "api:someone", events: [{ group: "g", key: unique("g") }] }),
    ).rejects.toThrow('The source "api:someone" is not code:<name>');
    const many = Array.from({ length: 1001 }, (_, i) => ({ group: "g", key: `many:${i}` }));
    await expect(recordEventsFromCode(deps, { source: "code:bulk", events: many })).rejects.toThrow(
      "1001 events in one call; record at most 1000 at a time",
    );
    expect(await recordEventsFromCode(deps, { source: "code:bulk", events: [] })).toEqual([]);
  });
});
