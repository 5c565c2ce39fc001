import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { insertNewEvents } from "@/db/queries/events";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { recordEvents } from "./events/record";
import { createMetrics } from "./metrics";
import { runSubscription } from "./subscriptions/dispatch";
import { createSubscription } from "./subscriptions/subscriptions";

/** Parses the Prometheus text format strictly enough to catch a malformed line: name, labels, value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(
        line,
      );
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(`${match[1]}${match[2] ?? ""}`, Number(match[3]));
  }
  return samples;
}

describe(`Prometheus metrics on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("counts events by group and origin, and reads the mail queue and each subscription's lag when scraped", async () => {
    const metrics = createMetrics();
    const deps = testDeps(database, {
      metrics,
      subscribers: [{ name: "audit", handle: () => undefined }],
    });
    const created = await createSubscription(deps, {
      input: { name: "audit trail", kind: "code", groups: "metered.*", target: "audit", from: "now" },
      by: null,
    });
    if (created.status !== "ok") throw new Error("no subscription");
    await recordEvents(deps, {
      events: [1, 2, 3].map((n) => ({
        group: "metered.a",
        key: `m:${n}`,
        context: {},
        generatorId: null,
        source: "api:00000000-0000-4000-8000-000000000001",
      })),
      handlers: [],
    });
    await recordEvents(deps, {
      events: [
        {
          group: "metered.b",
          key: "m:4",
          context: {},
          generatorId: null,
          source: "sql:00000000-0000-4000-8000-000000000002",
        },
      ],
      handlers: [],
    });
    const before = parse(await metrics.scrape());
    expect(before.get('spark_events_recorded_total{group="metered.a",origin="api"}')).toBe(3);
    expect(before.get('spark_events_recorded_total{group="metered.b",origin="sql"}')).toBe(1);
    expect(before.get('spark_subscription_lag_events{destination="audit trail",kind="code"}')).toBe(4);
    expect(before.get("spark_mail_waiting")).toBe(0);

    await runSubscription(deps, { id: created.subscription.id, holder: "t" });
    const after = parse(await metrics.scrape());
    expect(after.get('spark_subscription_lag_events{destination="audit trail",kind="code"}')).toBe(0);
    expect(after.get('spark_destination_attempts_total{kind="code",outcome="delivered"}')).toBe(4);
    expect(after.get('spark_subscription_parked_events{destination="audit trail",kind="code"}')).toBe(0);
  });

  it("keeps one registry per process: a second set of metrics starts from nothing", async () => {
    const metrics = createMetrics();
    await insertNewEvents(database.db, {
      events: [{ group: "unmetered", key: "u:1", context: {}, generatorId: null, source: null }],
      jobRunId: null,
    });
    expect(parse(await metrics.scrape()).has('spark_events_recorded_total{group="unmetered",origin="code"}')).toBe(
      false,
    );
  });
});
