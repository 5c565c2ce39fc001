import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describePostgresUrl, openDatabase, type Database } from "./client";
import { DatabaseOpenError } from "./errors";
import { migrateDatabase } from "./migrate";
import { insertUser } from "./queries/users";
import { openTestDatabase, testDriver } from "../testing/database";

describe(`database on ${testDriver}`, () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("reports which driver it uses", () => {
    expect(database.driver).toBe(testDriver);
  });

  it("applies the committed migrations once, and again is a no-op", async () => {
    await migrateDatabase(database);
    const result = (await database.db.execute(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    )) as unknown;
    const rows = (Array.isArray(result) ? result : (result as { rows: { n: number }[] }).rows) as { n: number }[];
    const n = Number(rows[0]!.n);
    expect(n).toBeGreaterThanOrEqual(1);
  });

  it("keeps emails unique whatever their case", async () => {
    expect(await insertUser(database.db, { email: "Ada@Example.com", role: "admin" })).not.toBeNull();
    expect(await insertUser(database.db, { email: "ada@example.COM", role: "operator" })).toBeNull();
  });
});

describe("DATABASE_URL problems are one line that says what to fix", () => {
  it("rejects a value that is not a URL", () => {
    expect(() => describePostgresUrl("nonsense")).toThrow(/^DATABASE_URL is not a URL; set it to postgres:\/\//);
  });

  it("rejects another scheme", () => {
    expect(() => describePostgresUrl("mysql://u:p@h/db")).toThrow(
      "DATABASE_URL must start with postgres:// (it starts with mysql://)",
    );
  });

  it("never echoes the password", () => {
    expect(describePostgresUrl("postgres://spark:s3cret@db.internal:6543/spark")).toBe(
      "postgres://spark@db.internal:6543/spark",
    );
  });

  it("names an unreachable server without a stack trace or the password", async () => {
    const error = await openDatabase({ driver: "postgres", url: "postgres://spark:s3cret@127.0.0.1:1/spark" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toBe(
      "Cannot use the database at postgres://spark@127.0.0.1:1/spark: connection refused (is Postgres running on that host and port?). Check DATABASE_URL.",
    );
  });
});
