import { PassThrough } from "node:stream";
import { inspect } from "node:util";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { openTestDatabase, testDriver } from "@/testing/database";
import { createLogger, describeError } from "../logger";
import { createOperator, setPassword } from "./accounts";

const newPassword = "a brand new password 9f3c";

describe(`a failed password update on ${testDriver}`, () => {
  let database: Database;
  let failure: unknown;

  beforeAll(async () => {
    database = await openTestDatabase();
    const deps = { db: database.db, clock: () => new Date("2030-01-01T09:00:00Z") };
    const user = await createOperator(deps, {
      email: "ada@example.com",
      password: "the old password 1234",
      role: "admin",
      createdBy: null,
    });
    // A trigger stands in for whatever makes the UPDATE fail (a full disk, a lost connection).
    await database.db.execute(
      sql.raw(
        `CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$`,
      ),
    );
    await database.db.execute(
      sql.raw(`CREATE TRIGGER refuse_update BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION refuse_update()`),
    );
    failure = await setPassword(deps, { userId: user!.id, password: newPassword }).then(
      () => null,
      (error: unknown) => error,
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  it("throws an error whose message, stack and properties hold neither the hash nor the password", () => {
    expect(failure).toBeInstanceOf(Error);
    // util.inspect is what Next and console.error print for a thrown error, its cause included.
    const printed = inspect(failure, { depth: 5 });
    expect(printed).toContain('Failed query: update "users"');
    expect(printed).toContain("the disk is full");
    expect(printed).not.toContain("scrypt$");
    expect(printed).not.toContain(newPassword);
  });

  it("is logged with the database's reason and without the hash", () => {
    const out = new PassThrough();
    let written = "";
    out.on("data", (chunk) => (written += String(chunk)));
    const log = createLogger({ info: out, error: out });
    log.error("password update failed", { error: failure, message: (failure as Error).message });
    log.error(describeError(failure));
    expect(written).toContain("the disk is full");
    expect(written).not.toContain("scrypt$");
    expect(written).not.toContain(newPassword);
  });
});

describe("the logger", () => {
  it("drops drizzle's params, scrypt hashes and URL passwords from whatever it is given", () => {
    const out = new PassThrough();
    let written = "";
    out.on("data", (chunk) => (written += String(chunk)));
    const log = createLogger({ info: out, error: out });
    const hash = "scrypt$32768$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5";
    log.info(`Failed query: update users set password_hash = $1\nparams: ${hash},42`);
    log.warn("smtp down", { url: "smtp://mailer:hunter2secret@mail.example.com:587", hash });
    expect(written).toContain("Failed query: update users set password_hash = $1 [query parameters removed]");
    expect(written).toContain("smtp://mailer:[redacted]@mail.example.com:587");
    expect(written).not.toContain("c2FsdHNhbHQ");
    expect(written).not.toContain("hunter2secret");
  });
});
