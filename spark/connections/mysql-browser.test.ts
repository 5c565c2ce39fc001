import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMysql, type AppMysql } from "@/testing/connections";
import { testDriver } from "@/testing/database";
import { testSqlSource } from "../sources/sql";
import type { Connections } from "./index";
import { mysqlConnection } from "./mysql";
import { readConnectionSchema } from "./schema";

const mysqlUrl = process.env.TEST_MYSQL_URL;

// The schema browser and the editor's error positions on a real MariaDB/MySQL server, read as the
// least-privileged user Spark is given (SELECT on the application's schema alone).
describe.skipIf(!mysqlUrl || testDriver !== "pglite")("the SQL editor's help on a real MySQL/MariaDB", () => {
  let app: AppMysql;
  let connections: Connections;
  beforeAll(async () => {
    app = await createAppMysql(mysqlUrl!, [
      "create table items (id int primary key, title text not null, score int)",
      "create table orders (id bigint primary key, item_id int, placed_at datetime)",
      "insert into items values (1, 'one', 5)",
    ]);
    const connection = mysqlConnection("app", app.target, { timeoutMs: 5_000 });
    connections = { open: async () => connection, close: async () => {} } as unknown as Connections;
  });
  afterAll(async () => {
    await app?.drop();
  });

  it("lists the application's tables and their columns in order, and none of the server's own schemas", async () => {
    const result = await readConnectionSchema(
      { connections },
      { connectionId: "00000000-0000-4000-8000-000000000000" },
    );
    if (!result.ok) throw new Error(result.message);
    const byName = new Map(result.schema.tables.map((t) => [t.name, t]));
    expect(byName.get("items")?.columns.map((c) => c.name)).toEqual(["id", "title", "score"]);
    expect(byName.get("orders")?.columns.map((c) => c.name)).toEqual(["id", "item_id", "placed_at"]);
    const schemas = new Set(result.schema.tables.map((t) => t.schema));
    expect([...schemas]).toEqual([app.target.database]);
  });

  it("points a syntax error at the operator's own line and column", async () => {
    const connection = await connections.open("app");
    const result = await testSqlSource(connection, "select id,\n  title\nform items");
    expect(result.ok).toBe(false);
    // "form" reads as an alias for title, so the server stops at "items": line 3, column 6.
    expect(result).toMatchObject({ at: { line: 3, column: 6 } });
    expect(result).toMatchObject({ message: expect.not.stringContaining("single statement") });
    const two = await testSqlSource(connection, "select id from items; select 1");
    expect(two).toMatchObject({ ok: false });
  });
});
