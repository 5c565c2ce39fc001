import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { currentCommitPosition } from "@/db/queries/event-streams";
import { insertImportedEvents } from "@/db/queries/imported-events";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { DJANGO_SPARK_SOURCE } from "../imports/django-spark";
import { countEventsAfter, lagOf } from "./subscriptions";

describe(`keys imported from django-spark and a subscription's lag on ${testDriver}`, () => {
  let database: Database;
  const clock = () => new Date("2026-12-01T12:00:00Z");
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("are no lag and nothing a reset re-sends: they are never sent to a subscription", async () => {
    const deps = testDeps(database, { clock });
    const from = await currentCommitPosition(database.db);
    await insertImportedEvents(database.db, {
      events: Array.from({ length: 50 }, (_, i) => ({
        group: "challenge_created",
        key: `challenge_created:imported-${i}`,
        context: { django_spark_key: `challenge_created_imported-${i}` },
        source: DJANGO_SPARK_SOURCE,
        // django-spark handled them two years ago.
        createdAt: new Date("2024-12-01T12:00:00Z"),
      })),
    });
    const subscription = { groupPattern: "*", checkpointTx: from.tx, checkpointId: from.id };
    expect(await countEventsAfter(deps, { subscription, from })).toEqual({ count: 0, capped: false });
    expect(await lagOf(deps, subscription)).toEqual({ events: 0, capped: false, seconds: null });
  });
});
