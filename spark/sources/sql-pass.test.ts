import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { SAMPLE_CONNECTION_ID } from "@/db/queries/connections";
import { insertGenerator } from "@/db/queries/generators";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { rowsOf } from "@/db/rows";
import { sqlSources } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import type { Connections } from "../connections";
import { testConnections } from "../../testing/connections";
import { runJob } from "../job/job";
import { testDeps } from "@/testing/deps";

describe(`SQL sources in a pass on ${testDriver}`, () => {
  let database: Database;
  let connections: Connections;
  const clock = () => new Date("2030-01-01T00:00:00Z");
  beforeAll(async () => {
    database = await openTestDatabase();
    connections = testConnections(database, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await connections?.close();
    await database?.close();
  });

  it(
    "completes a pass over a 2,000,000-row source on the sample connection, reading it once",
    { timeout: 180_000 },
    async () => {
      const source = await insertSqlSource(database.db, {
        name: "two-million",
        description: "",
        connectionId: SAMPLE_CONNECTION_ID,
        query: "select g as id, g % 1000 as bucket from generate_series(1, 2000000) g",
        variables: { id: { type: "number" }, bucket: { type: "number" } },
      });
      await insertGenerator(database.db, {
        name: "tail",
        group: "tail",
        source: `sql:${source!.id}`,
        conditions: [{ variable: "id", operator: ">", value: "1999990" }],
      });
      const summary = await runJob(testDeps(database, { clock, connections, settings: { batchSize: 20_000 } }), {
        trigger: "manual",
      });
      expect(summary.status).toBe("ok");
      expect(summary.generators[0]).toMatchObject({ candidates: 2_000_000, passed: 10, recorded: 10 });
    },
  );

  it("reports a source from before connections as needing one, and the others still run", async () => {
    const [orphan] = await database.db
      .insert(sqlSources)
      .values({ name: "old", query: "select id from app_table", variables: { id: { type: "number" } } })
      .returning();
    await insertGenerator(database.db, { name: "old", group: "old", source: `sql:${orphan!.id}`, conditions: [] });
    const summary = await runJob(testDeps(database, { clock, connections }), { trigger: "manual" });
    expect(summary.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/has no connection yet .* an admin must choose one under Sources/),
      }),
    ]);
    expect(summary.generators.find((g) => g.name === "tail")).toMatchObject({ candidates: 2_000_000, seen: 10 });
  }, 180_000);

  it("moves sources over the demo tables to the sample connection when upgrading, and leaves the others without one", async () => {
    const migration = readFileSync(join(process.cwd(), "db/migrations/0008_connections_partials.sql"), "utf8");
    const update = migration
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .find((s) => /^(--[^\n]*\n)*UPDATE "sql_sources"/.test(s))!;
    await database.db.insert(sqlSources).values([
      { name: "upgrade-demo", query: "select c.id, c.title from demo.challenges c", variables: {} },
      { name: "upgrade-spaced", query: "select id from Demo . donations", variables: {} },
      { name: "upgrade-app", query: "select id from invoices where note <> 'demo'", variables: {} },
    ]);
    await database.db.execute(sql.raw(update));
    const rows = rowsOf<{ name: string; connection_id: string | null }>(
      await database.db.execute(
        sql`select name, connection_id from sql_sources where name like 'upgrade-%' order by name`,
      ),
    );
    expect(rows).toEqual([
      { name: "upgrade-app", connection_id: null },
      { name: "upgrade-demo", connection_id: SAMPLE_CONNECTION_ID },
      { name: "upgrade-spaced", connection_id: SAMPLE_CONNECTION_ID },
    ]);
  });
});
