import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { eq } from "drizzle-orm";
import { insertGenerator } from "@/db/queries/generators";
import { jobRuns, users } from "@/db/schema";
import { runJob } from "@/spark/job/job";
import type { CodeSource } from "@/spark/sources/types";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { loadDashboard } from "./dashboard";
import { eventFilterQuery, loadEventLog, parseEventFilters } from "./event-log";
import { jobRunsHref, loadJobRun, loadJobRunProgress, loadJobRuns, parseJobRunFilters } from "./jobs";

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

describe(`one definition of a run's figures, on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  /** A code source of `n` rows: every generator reading it reads the same rows. */
  const rowsSource = (name: string, n: number): CodeSource<{ id: number }> => ({
    name,
    label: name,
    description: "test rows",
    variables: {},
    async *candidates() {
      yield Array.from({ length: n }, (_, i) => ({ id: i + 1 }));
    },
    context: () => ({}),
  });

  it("counts a source shared by generators once, the same on the dashboard, the runs list and the run's page", async () => {
    for (const [name, group, source] of [
      ["a", "shared_a", "code:shared"],
      ["b", "shared_b", "code:shared"],
      ["c", "shared_c", "code:shared"],
      ["d", "alone", "code:alone"],
    ] as const)
      await insertGenerator(database.db, { name, group, source, conditions: [] });
    const deps = testDeps(database, {
      sources: [rowsSource("shared", 4), rowsSource("alone", 2)] as CodeSource[],
    });
    const summary = await runJob(deps, { trigger: "manual" });
    const runId = summary.runId!;
    // Four rows read once for three generators, and two more: six candidates, not 4 × 3 + 2.
    const expected = { candidates: 6, recorded: 14, seen: 0, sent: 0, failed: 0, dead: 0 };
    expect((await loadJobRunProgress(database.db, runId))?.figures).toEqual(expected);
    expect((await loadJobRun(database.db, String(runId)))?.run.figures).toEqual(expected);
    const dashboard = await loadDashboard(database.db, { params: {}, now: new Date() });
    expect(dashboard.runs.find((r) => r.id === runId)?.figures).toEqual(expected);
    expect((await loadJobRuns(database.db, {})).rows.find((r) => r.id === runId)?.figures).toEqual(expected);
    // What the pass wrote as it went says the same.
    const [row] = await database.db.select().from(jobRuns).where(eq(jobRuns.id, runId));
    expect(row?.progress?.candidates).toBe(expected.candidates);

    // "See the events" leads to that run's events, and only those.
    const again = await runJob(deps, { trigger: "manual" });
    expect(again.events).toEqual({ recorded: 0, seen: 14 });
    const href = eventFilterQuery({ jobRunId: runId });
    expect(href).toBe(`?run=${runId}`);
    const log = await loadEventLog(database.db, Object.fromEntries(new URLSearchParams(href.slice(1))), {
      sources: [],
    });
    expect(log.filters).toEqual({ jobRunId: runId });
    expect(log.rows).toHaveLength(14);
    expect(new Set(log.rows.map((r) => r.jobRunId))).toEqual(new Set([runId]));
    expect((await loadEventLog(database.db, { run: String(again.runId) }, { sources: [] })).rows).toEqual([]);
    expect(parseEventFilters({ run: "12; drop" }).ignored).toEqual([
      { name: "run", message: "A job run is its number, like 12." },
    ]);
  });
});
