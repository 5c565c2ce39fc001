import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { jobRuns, users } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { jobRunsHref, loadJobRun, loadJobRuns, parseJobRunFilters } from "./jobs";

describe("job runs filters from the URL", () => {
  it("keeps a known status and trigger", () => {
    expect(parseJobRunFilters({ status: "error", trigger: "cron", before: "12" })).toEqual({
      filters: { status: "error", trigger: "cron" },
      page: { before: 12 },
      ignored: [],
    });
  });

  it("ignores nonsense and names what it ignored instead of throwing", () => {
    const { filters, page, ignored } = parseJobRunFilters({
      status: "exploded",
      trigger: ["", "cron"],
      after: "-1",
      unknown: "x",
    });
    expect(filters).toEqual({});
    expect(page).toBeNull();
    expect(ignored).toEqual([
      { name: "status", message: "'exploded' is not one of running, ok, error, skipped." },
      { name: "after", message: "The page link was damaged; showing the newest rows." },
    ]);
  });

  it("takes the first of repeated parameters and trims them", () => {
    expect(parseJobRunFilters({ status: [" ok ", "error"] }).filters).toEqual({ status: "ok" });
  });

  it("writes filters back into the URL it reads", () => {
    expect(jobRunsHref({})).toBe("/jobs");
    const href = jobRunsHref({ status: "ok", trigger: "manual" }, { before: "40" });
    expect(href).toBe("/jobs?status=ok&trigger=manual&before=40");
    const back = parseJobRunFilters(Object.fromEntries(new URLSearchParams(href.split("?")[1])));
    expect(back.filters).toEqual({ status: "ok", trigger: "manual" });
    expect(back.page).toEqual({ before: 40 });
  });
});

describe(`job runs pages on ${testDriver}`, () => {
  let database: Database;
  let firstId: number;
  beforeAll(async () => {
    database = await openTestDatabase();
    const [operator] = await database.db.insert(users).values({ email: "ada@example.com", role: "admin" }).returning();
    const runs = await database.db
      .insert(jobRuns)
      .values(
        Array.from({ length: 7 }, (_, i) => ({
          trigger: i % 2 === 0 ? ("schedule" as const) : ("manual" as const),
          status: i === 6 ? ("error" as const) : ("ok" as const),
          startedAt: new Date(Date.UTC(2026, 10, 2, 10, i)),
          startedBy: i % 2 === 0 ? null : operator!.id,
        })),
      )
      .returning();
    firstId = runs[0]!.id;
  });
  afterAll(() => database?.close());

  it("lists runs newest first, filtered, a page at a time", async () => {
    const page = await loadJobRuns(database.db, { trigger: "schedule" }, { pageSize: 3 });
    expect(page.rows.map((r) => r.id)).toEqual([firstId + 6, firstId + 4, firstId + 2]);
    expect(page.older).toBe(firstId + 2);
    const next = await loadJobRuns(database.db, { trigger: "schedule", before: String(page.older) }, { pageSize: 3 });
    expect(next.rows.map((r) => r.id)).toEqual([firstId]);
    const errors = await loadJobRuns(database.db, { status: "error", trigger: "bogus" });
    expect(errors.rows.map((r) => r.id)).toEqual([firstId + 6]);
    expect(errors.ignored.map((i) => i.name)).toEqual(["trigger"]);
  });

  it("shows who started a run, and nothing for an id that cannot be one", async () => {
    expect((await loadJobRun(database.db, String(firstId + 1)))?.startedBy).toEqual({ email: "ada@example.com" });
    expect((await loadJobRun(database.db, String(firstId)))?.startedBy).toBeNull();
    expect(await loadJobRun(database.db, "1e3")).toBeNull();
    expect(await loadJobRun(database.db, "999999")).toBeNull();
  });
});
