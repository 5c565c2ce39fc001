import { describe, expect, it } from "vitest";
import { openTestDatabase, testDriver } from "@/testing/database";
import { checkHealth } from "./health";

describe(`health on ${testDriver}`, () => {
  it("is ok after a real query", async () => {
    const database = await openTestDatabase();
    try {
      expect(await checkHealth(database)).toEqual({ ok: true, db: testDriver });
    } finally {
      await database.close();
    }
  });

  it("says why when the database does not answer", async () => {
    const database = await openTestDatabase();
    await database.close();
    const health = await checkHealth(database);
    expect(health).toMatchObject({ ok: false, db: testDriver });
    expect(health.ok === false && health.error).toMatch(/^The database does not answer: \S/);
  });

  it("says why when the database never opened", async () => {
    const health = await checkHealth(Promise.reject(new Error("connection refused")));
    expect(health).toEqual({ ok: false, db: null, error: "The database does not answer: connection refused" });
  });
});
