import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { createLogger } from "../logger";
import { runJob } from "./job";

describe(`lines the engine writes on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("names the job run on every line of a pass", async () => {
    const out = new PassThrough();
    let written = "";
    out.on("data", (chunk) => (written += String(chunk)));
    const log = createLogger({ info: out, error: out });
    const lines = () =>
      written
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = await runJob(testDeps(database, { log }), { trigger: "cli" });
    const finished = lines().find((l) => l.msg === "job run finished");
    expect(finished).toMatchObject({ level: "info", runId: summary.runId, status: "ok", trigger: "cli" });
    for (const line of lines()) expect(line.runId).toBe(summary.runId);
  });
});
