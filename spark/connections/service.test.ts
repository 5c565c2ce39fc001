import { sql } from "drizzle-orm";
import type { Deps } from "../deps";
import { testDeps } from "@/testing/deps";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import {
  findConnectionById,
  listConnections,
  SAMPLE_CONNECTION_ID,
  syncEnvConnections,
} from "@/db/queries/connections";
import { insertSqlSource } from "@/db/queries/sql-sources";
import { rowsOf } from "@/db/rows";
import { outboxSources } from "@/db/schema";
import { openTestDatabase, testDriver } from "@/testing/database";
import { open, seal } from "./secret-box";
import { connectionInput, deleteConnection, saveConnection, testStoredConnection } from "./service";
import { createAppPostgres, testConnections, type AppPostgres } from "../../testing/connections";

const KEY = "a test key that is long enough for SPARK_SECRET_KEY";

describe("the secret box", () => {
  it("opens what it sealed, with the same key only, and never stores the text", () => {
    const sealed = seal("hunter2-password", KEY);
    expect(sealed).not.toContain("hunter2");
    expect(sealed).toMatch(/^v1\./);
    expect(seal("hunter2-password", KEY)).not.toBe(sealed);
    expect(open(sealed, KEY)).toBe("hunter2-password");
    expect(() => open(sealed, `${KEY}!`)).toThrow(
      "The stored password cannot be opened with this SPARK_SECRET_KEY; set the key it was saved with, or enter the password again.",
    );
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith("xx") ? "yy" : "xx"}`;
    expect(() => open(tampered, KEY)).toThrow(/cannot be opened/);
    expect(() => open("garbage", KEY)).toThrow(/damaged/);
  });
});

const pgUrl = process.env.TEST_DATABASE_URL;

describe.runIf(pgUrl && testDriver === "pglite")("saving connections", () => {
  let database: Database;
  let app: AppPostgres;
  let deps: Deps;
  const input = (changes: Record<string, unknown> = {}) =>
    connectionInput.parse({
      name: "app",
      kind: "postgres",
      host: app.target.host,
      port: String(app.target.port),
      database: app.target.database,
      username: app.target.username,
      password: app.target.password,
      ssl: "",
      ...changes,
    });

  beforeAll(async () => {
    database = await openTestDatabase();
    app = await createAppPostgres(pgUrl!, "create table items (id int primary key)");
    deps = testDeps(database, {
      clock: () => new Date("2030-01-01T00:00:00Z"),
      connections: testConnections(database, { secretKey: KEY }),
    });
  });
  afterAll(async () => {
    await deps?.connections.close();
    await app?.drop();
    await database?.close();
  });

  it("refuses a superuser with what to change, and stores nothing", async () => {
    const admin = new URL(pgUrl!);
    const result = await saveConnection(deps, {
      input: input({ name: "as-admin", username: decodeURIComponent(admin.username), password: "" }),
      by: null,
    });
    expect(result).toEqual({
      status: "invalid",
      fieldErrors: {
        form: expect.arrayContaining([expect.stringMatching(/is a superuser; connect as a read-only role/)]),
      },
    });
    expect((await listConnections(database.db)).map((c) => c.name)).toEqual(["sample"]);
  });

  it("refuses a stored password when SPARK_SECRET_KEY is unset", async () => {
    const result = await saveConnection(
      { ...deps, connections: { ...deps.connections, secrets: null } },
      { input: input(), by: null },
    );
    expect(result).toEqual({
      status: "invalid",
      fieldErrors: { password: [expect.stringMatching(/^Set SPARK_SECRET_KEY/)] },
    });
  });

  it("says a refused login is refused, without echoing the password", async () => {
    const result = await saveConnection(deps, {
      input: input({ username: "nobody_here", password: "wrong-hunter2" }),
      by: null,
    });
    expect(JSON.stringify(result)).toMatch(/refused user .*check the user name and password/);
    expect(JSON.stringify(result)).not.toContain("wrong-hunter2");
  });

  it("saves a read-only user with its password sealed, keeps it on an edit that leaves it empty, and refuses a stale edit", async () => {
    const saved = await saveConnection(deps, { input: input(), by: null });
    if (saved.status !== "ok") throw new Error(JSON.stringify(saved));
    const [raw] = rowsOf<{ password_sealed: string }>(
      await database.db.execute(sql`select password_sealed from connections where id = ${saved.connection.id}`),
    );
    expect(raw!.password_sealed).not.toContain(app.target.password);
    expect(open(raw!.password_sealed, KEY)).toBe(app.target.password);

    const edited = await saveConnection(deps, {
      id: saved.connection.id,
      version: saved.connection.version,
      input: input({ name: "app-renamed", password: "" }),
      by: null,
    });
    expect(edited).toMatchObject({
      status: "ok",
      connection: { name: "app-renamed", version: 2, passwordSealed: raw!.password_sealed },
    });
    expect(await testStoredConnection(deps, { id: saved.connection.id })).toEqual({ ok: true });

    const stale = await saveConnection(deps, {
      id: saved.connection.id,
      version: 1,
      input: input({ name: "late", password: "" }),
      by: null,
    });
    expect(stale).toMatchObject({ status: "stale" });
    expect((await findConnectionById(database.db, { id: saved.connection.id }))?.name).toBe("app-renamed");
  });

  it("will not delete a connection a source reads from, the sample one, or one from the environment", async () => {
    const [conn] = (await listConnections(database.db)).filter((c) => c.name === "app-renamed");
    await insertSqlSource(database.db, {
      name: "items",
      description: "",
      connectionId: conn!.id,
      query: "select id from items",
      variables: {},
    });
    await database.db
      .insert(outboxSources)
      .values({ name: "orders", connectionId: conn!.id, tableName: "spark_outbox" });
    expect(await deleteConnection(deps, { id: conn!.id })).toEqual({
      status: "in-use",
      sources: ["items", "orders (outbox table)"],
    });
    expect(await deleteConnection(deps, { id: SAMPLE_CONNECTION_ID })).toMatchObject({ status: "fixed" });
    await syncEnvConnections(database.db, [
      { name: "from-env", kind: "postgres", host: "h", port: 5432, database: "d", username: "u", ssl: false },
    ]);
    const env = (await listConnections(database.db)).find((c) => c.name === "from-env")!;
    expect(env.passwordSealed).toBeNull();
    expect(await deleteConnection(deps, { id: env.id })).toMatchObject({
      status: "fixed",
      message: expect.stringMatching(/SPARK_CONNECTION_/),
    });
    expect(
      await saveConnection(deps, { id: env.id, version: env.version, input: input({ name: "from-env" }), by: null }),
    ).toMatchObject({ status: "invalid" });
    await syncEnvConnections(database.db, []);
    expect((await listConnections(database.db)).some((c) => c.name === "from-env")).toBe(false);
  });
});
