import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "@/db/client";
import { logIn } from "@/spark/accounts/login";
import { THROTTLE } from "@/spark/accounts/throttle";
import { runCliScript } from "../testing/cli";

const run = runCliScript;

describe.skipIf(process.env.SPARK_TEST_DRIVER === "postgres")("the user and migrate CLIs", () => {
  let dataDir = "";
  const user = (args: string[], stdin?: string) =>
    run("cli/user.ts", args, { stdin, env: { SPARK_DATA_DIR: dataDir } });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "spark-cli-"));
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates an admin with the password read from stdin", async () => {
    expect(await user(["create", "Ada@Example.com"], "correct horse battery staple\n")).toEqual({
      code: 0,
      stdout: "Created admin ada@example.com.\n",
      stderr: "",
    });
  });

  it("refuses a second operator with the same email in another case", async () => {
    expect(await user(["create", "ADA@example.com", "--role", "operator"], "another long password\n")).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: an operator with the email ada@example.com already exists; use 'password' to reset it.\n",
    });
  });

  it("lists operators with their role and status", async () => {
    expect(await user(["list"])).toEqual({ code: 0, stdout: "ada@example.com\tadmin\tactive\n", stderr: "" });
  });

  it("refuses a password shorter than 12 characters in one line", async () => {
    expect(await user(["create", "bob@example.com"], "too short\n")).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: password: Use at least 12 characters.\n",
    });
  });

  it("names an unknown command in one line", async () => {
    expect(await user(["frobnicate"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: unknown command 'frobnicate'. Usage: npm run user -- <command>\n",
    });
  });

  /** Opens the CLI's database in between runs (the CLI holds its lock only while it runs). */
  async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase({ driver: "pglite", dataDir });
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  }
  const signIn = (database: Database, password: string) =>
    logIn(
      { db: database.db, clock: () => new Date() },
      { email: "ada@example.com", password, ip: "198.51.100.7", sessionDays: 1 },
    ).then((r) => r.status);

  it("unlock lifts the sign-in throttling of an email", async () => {
    await withDatabase(async (database) => {
      for (let i = 0; i < THROTTLE.pairFreeFailures; i++) expect(await signIn(database, `guess ${i}`)).toBe("invalid");
      expect(await signIn(database, "correct horse battery staple")).toBe("limited");
    });
    expect(await user(["unlock", "ADA@example.com"])).toEqual({
      code: 0,
      stdout: `Forgot ${THROTTLE.pairFreeFailures} failed sign-ins of ada@example.com; it can sign in from any client now.\n`,
      stderr: "",
    });
    await withDatabase(async (database) => expect(await signIn(database, "correct horse battery staple")).toBe("ok"));
    expect(await user(["unlock", "ada@example.com"])).toEqual({
      code: 0,
      stdout: "ada@example.com has no failed sign-ins on record.\n",
      stderr: "",
    });
  });

  it("prints a failed password update in one line without the new password or its hash", async () => {
    await withDatabase(async (database) => {
      // A trigger stands in for whatever makes the UPDATE fail (a full disk, a lost connection).
      await database.db.execute(
        sql.raw(
          `CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$`,
        ),
      );
      await database.db.execute(
        sql.raw(`CREATE TRIGGER refuse_update BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION refuse_update()`),
      );
    });
    const result = await run("cli/user.ts", ["password", "ada@example.com"], {
      stdin: "a secret new password 77\n",
      env: { SPARK_DATA_DIR: dataDir, SPARK_DEBUG: "1" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^spark: unexpected error: Failed query: update "users" set .*: the disk is full\n/);
    expect(result.stderr).not.toContain("scrypt$");
    expect(result.stderr).not.toContain("a secret new password 77");
    await withDatabase(async (database) => {
      await database.db.execute(sql.raw(`DROP TRIGGER refuse_update ON users`));
    });
  });

  it("migrate explains a DATABASE_URL that is not a URL in one line", async () => {
    const result = await run("cli/migrate.ts", [], { env: { DATABASE_URL: "nonsense" } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr.startsWith("spark: DATABASE_URL is not a URL")).toBe(true);
  });
});
