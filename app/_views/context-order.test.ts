import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { insertNewEvents } from "@/db/queries/events";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { sqlSourceRef } from "@/spark/sources/resolve";
import { openTestDatabase } from "@/testing/database";
import { orderContext, selectListNames } from "./context-order";
import { loadEventDetail } from "./event-log";

describe("selectListNames", () => {
  it("names each column of the outermost select list in order", () => {
    expect(
      selectListNames(
        "select c.id, c.title, count(d.id) as donations, coalesce(c.goal, 0) goal\nfrom demo.challenges c left join demo.donations d on d.challenge_id = c.id group by c.id",
      ),
    ).toEqual(["id", "title", "donations", "goal"]);
  });

  it("skips CTEs, strings and subqueries, folds unquoted names and keeps quoted ones", () => {
    expect(
      selectListNames(
        `with x as (select 1 as a, 2 as b from t) select distinct x.A as "Zeta", 'a, from' as label, (select max(b) from x) as top from x`,
      ),
    ).toEqual(["Zeta", "label", "top"]);
  });

  it("stops where a name cannot be told (*)", () => {
    expect(selectListNames("select id, t.* , z from t")).toEqual(["id"]);
  });
});

describe("orderContext", () => {
  it("puts the source's order first and keeps the rest", () => {
    // jsonb's own order: shortest keys first.
    const stored = { id: 1, goal: 2, title: "t", donations: 3, extra: true };
    expect(Object.keys(orderContext(stored, ["id", "title", "donations", "goal"]))).toEqual([
      "id",
      "title",
      "donations",
      "goal",
      "extra",
    ]);
  });
});

describe("an event's context on its page", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("reads in the order its SQL source selects the columns, not jsonb's", async () => {
    const source = await insertSqlSource(database.db, {
      name: "ordered",
      description: "",
      connectionId: SAMPLE_CONNECTION_ID,
      query: "select c.id, c.title, c.goal_amount as zz_goal, c.owner_email as a from demo.challenges c",
      variables: {
        id: { type: "number" },
        title: { type: "string" },
        zz_goal: { type: "number" },
        a: { type: "string" },
      },
    });
    const [event] = await insertNewEvents(database.db, {
      events: [
        {
          group: "ordered",
          key: "ordered:1",
          context: { id: 1, title: "t", zz_goal: 5, a: "x@example.com" },
          generatorId: null,
          source: sqlSourceRef(source!.id),
        },
      ],
      jobRunId: null,
    });
    const detail = await loadEventDetail(database.db, String(event!.id), { sources: [] });
    expect(Object.keys(detail!.event.context)).toEqual(["id", "title", "zz_goal", "a"]);
  });
});
