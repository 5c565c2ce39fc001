import { getTableColumns } from "drizzle-orm";
import { users } from "@/db/schema";
import { existsSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { openScratchDatabase } from "@/testing/scratch-database";
import { openTestDatabase, testDriver } from "@/testing/database";
import { testSqlSource, streamSqlSource } from "../sources/sql";
import { createAppMysql, createAppPostgres, sampleImageFor } from "../../testing/connections";
import { createSamplePool, type SamplePool } from "./sample";
import { judgeMysqlGrants } from "./mysql";
import { postgresConnection } from "./postgres";
import { mysqlConnection } from "./mysql";
import type { SourceConnection } from "./types";

const pgUrl = process.env.TEST_DATABASE_URL;
const mysqlUrl = process.env.TEST_MYSQL_URL;
// The remote kinds do not depend on Spark's own driver: run them once, in the PGlite project.
const remote = testDriver === "pglite";
const TIMEOUT_MS = 1_500;
const BOMB = "/tmp/spark-attack-ran";

type Kind = { name: string; open: () => Promise<{ connection: SourceConnection; close: () => Promise<void> }> };

const APP_TABLE =
  "create table items (id int primary key, title text not null); insert into items select g, 'item ' || g from generate_series(1, 50) g";

const kinds: Kind[] = [
  {
    name: "sample",
    open: async () => {
      const pool: SamplePool = createSamplePool(await sampleImageFor());
      return { connection: pool.connection("sample", { timeoutMs: TIMEOUT_MS }), close: () => pool.close() };
    },
  },
];
if (remote && pgUrl) {
  kinds.push({
    name: "postgres",
    open: async () => {
      const app = await createAppPostgres(pgUrl, APP_TABLE);
      return { connection: postgresConnection("app", app.target, { timeoutMs: TIMEOUT_MS }), close: app.drop };
    },
  });
}
if (remote && mysqlUrl) {
  kinds.push({
    name: "mysql",
    open: async () => {
      const app = await createAppMysql(mysqlUrl, [
        "create table items (id int primary key, title text not null)",
        "insert into items values (1, 'item 1'), (2, 'item 2')",
      ]);
      return { connection: mysqlConnection("app", app.target, { timeoutMs: TIMEOUT_MS }), close: app.drop };
    },
  });
}

// What a hostile operator typed into "Test query" (issue: Seal operator SQL), and variants of each.
// `reads: "nothing"`: the server answers, but without the privilege the function gives back NULL.
const attacks: { name: string; query: string; kinds?: string[]; reads?: "nothing" }[] = [
  {
    name: "a COMMIT that ends the read-only transaction, then an UPDATE",
    query:
      "select 1 as id, '--' as x) t; commit; update users set role = 'admin' where email = 'op@example.com'; select * from (select 1 as id",
  },
  {
    name: "COPY … TO PROGRAM after a comment-hidden semicolon",
    query: "select 1 as id /* -- */; copy (select 1) to program 'touch /tmp/spark-attack-ran'; select 1 as id",
  },
  {
    name: "an escaped quote hiding a semicolon",
    query: "select 1 as id, E'\\''; copy (select 1) to program 'touch /tmp/spark-attack-ran'; select E'\\'' as y",
    kinds: ["sample", "postgres"],
  },
  { name: "Spark's users and their hashes", query: "select id, email, password_hash from users" },
  { name: "Spark's sessions", query: "select id, user_id from sessions" },
  { name: "Spark's account tokens", query: "select id from account_tokens" },
  { name: "Spark's captured mail", query: "select id, raw from captured_mails" },
  { name: "a server file", query: "select 1 as id, pg_read_file('/etc/passwd') as f", kinds: ["sample", "postgres"] },
  {
    name: "a server file, quoted name",
    query: `select 1 as id, "pg_read_file"('/etc/passwd') as f`,
    kinds: ["sample", "postgres"],
  },
  { name: "a directory listing", query: "select 1 as id, pg_ls_dir('.') as f", kinds: ["sample", "postgres"] },
  { name: "lo_import", query: "select lo_import('/etc/passwd') as id", kinds: ["sample", "postgres"] },
  {
    name: "terminating other sessions",
    query: "select pid as id, pg_terminate_backend(pid) as t from pg_stat_activity where usename <> current_user",
    kinds: ["postgres"],
  },
  {
    name: "a MySQL file read",
    query: "select 1 as id, load_file('/etc/passwd') as f",
    kinds: ["mysql"],
    reads: "nothing",
  },
  { name: "INTO OUTFILE", query: "select 1 as id into outfile '/tmp/spark-attack-ran'", kinds: ["mysql"] },
  {
    name: "a write through a sequence",
    query: "select 1 as id, nextval('spark_nope') as n",
    kinds: ["sample", "postgres"],
  },
];

describe.each(kinds)("operators' SQL on the $name connection", ({ name, open }) => {
  let connection: SourceConnection;
  let close: () => Promise<void>;
  let spark: Database;
  let before: { users: number; admins: number };
  const counts = async () =>
    rowsOf<{ users: number; admins: number }>(
      await spark.db.execute(
        sql`select count(*)::int as users, count(*) filter (where role = 'admin')::int as admins from users`,
      ),
    )[0]!;

  beforeAll(async () => {
    rmSync(BOMB, { force: true });
    spark = await openTestDatabase();
    await spark.db.execute(
      sql`insert into users (email, password_hash, role) values ('op@example.com', 'scrypt$secret', 'operator'), ('admin@example.com', 'scrypt$secret2', 'admin')`,
    );
    before = await counts();
    ({ connection, close } = await open());
  }, 120_000);
  afterAll(async () => {
    await close?.();
    await spark?.close();
  });

  it("reads an ordinary query: columns, types and the first rows", async () => {
    const query =
      name === "sample"
        ? "select id, title from demo.challenges order by id"
        : "select id, title from items order by id";
    const result = await testSqlSource(connection, query);
    if (!result.ok) throw new Error(result.message);
    expect(result.variables).toEqual({ id: { type: "number" }, title: { type: "string" } });
    expect(result.rows.length).toBeGreaterThan(1);
  });

  it.each(attacks.filter((a) => !a.kinds || a.kinds.includes(name)))("refuses $name", async ({ query, reads }) => {
    const result = await testSqlSource(connection, query);
    if (reads === "nothing")
      expect(result).toEqual({ ok: true, variables: expect.anything(), rows: [{ id: 1, f: null }] });
    else expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toMatch(/scrypt|root:x:0/);
    expect(await counts()).toEqual(before);
    expect(existsSync(BOMB)).toBe(false);
  });

  it("refuses the attacks in a pass as well: the stream stops with the reason", async () => {
    const read = async () => {
      for await (const batch of streamSqlSource(connection, "select id, email, password_hash from users", {
        batchSize: 10,
      }))
        void batch;
    };
    await expect(read()).rejects.toThrow(/users|permission|exist/i);
  });

  it("stops a query that runs past the timeout, and the next query works", async () => {
    const slow = name === "mysql" ? "select 1 as id, sleep(20) as s" : 'select 1 as id, "pg_sleep"(20) as s';
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const result = await testSqlSource(connection, slow);
    clearInterval(ticker);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/ran longer than 1.5 s and was stopped/) });
    // The server's event loop kept turning while the query ran.
    expect(ticks).toBeGreaterThan(10);
    expect(
      (await testSqlSource(connection, name === "sample" ? "select id from demo.challenges" : "select id from items"))
        .ok,
    ).toBe(true);
  });

  it("keeps nothing a query set: settings and advisory locks end with it", async () => {
    if (name === "mysql") {
      await testSqlSource(connection, "select 1 as id, get_lock('spark-test', 0) as l");
      const after = await testSqlSource(connection, "select 1 as id, is_free_lock('spark-test') as free");
      expect(after.ok && after.rows[0]?.free).toBe(1);
      return;
    }
    await testSqlSource(
      connection,
      "select 1 as id, set_config('default_transaction_read_only', 'off', false) as s, pg_advisory_lock(7412001) as l",
    );
    const after = await testSqlSource(
      connection,
      "select 1 as id, current_setting('transaction_read_only') as ro, (select count(*) from pg_locks where locktype = 'advisory') as locks",
    );
    if (!after.ok) throw new Error(after.message);
    expect(after.rows[0]).toMatchObject({ ro: "on", locks: 0 });
  });
});

describe("the sample connection", () => {
  it("streams a 2,000,000-row source once, in batches, in one transaction", { timeout: 120_000 }, async () => {
    const pool = createSamplePool(await sampleImageFor());
    try {
      let rows = 0;
      let batches = 0;
      for await (const batch of streamSqlSource(
        pool.connection("sample", { timeoutMs: 10_000 }),
        "select g as id from generate_series(1, 2000000) g",
        { batchSize: 50_000 },
      )) {
        rows += batch.length;
        batches++;
      }
      expect({ rows, batches }).toEqual({ rows: 2_000_000, batches: 40 });
    } finally {
      await pool.close();
    }
  });
});

describe.runIf(remote && pgUrl)("least privilege on PostgreSQL", () => {
  it("refuses a superuser, a member of pg_read_server_files, and any role on Spark's own database", async () => {
    const app = await createAppPostgres(pgUrl!, APP_TABLE);
    const admin = new URL(pgUrl!);
    try {
      const asSuperuser = postgresConnection(
        "su",
        { ...app.target, username: decodeURIComponent(admin.username), password: decodeURIComponent(admin.password) },
        { timeoutMs: 5_000 },
      );
      expect((await asSuperuser.checkPrivileges()).join(" ")).toMatch(/is a superuser/);
      const result = await testSqlSource(asSuperuser, "select id from items");
      expect(result).toEqual({ ok: false, message: expect.stringMatching(/refused: .*superuser/) });

      const { default: postgres } = await import("postgres");
      const root = postgres(app.adminUrl, { max: 1, onnotice: () => {} });
      await root.unsafe(`grant pg_read_server_files to ${app.target.username}`);
      const reader = postgresConnection("files", app.target, { timeoutMs: 5_000 });
      expect(await reader.checkPrivileges()).toEqual([
        expect.stringMatching(
          /member of pg_read_server_files, whose privileges it could take on; REVOKE pg_read_server_files FROM/,
        ),
      ]);
      await root.unsafe(`revoke pg_read_server_files from ${app.target.username}`);
      expect(await reader.checkPrivileges()).toEqual([]);
      // An application's own tables may share Spark's names (a Rails application has users, sessions
      // and events): reading them is what generators are for.
      await root.unsafe(`create table users (id int); create table sessions (id int); create table events (id int)`);
      await root.unsafe(`grant select on users, sessions, events to ${app.target.username}`);
      expect(await reader.checkPrivileges()).toEqual([]);
      // A copy of Spark's own table, anywhere (another schema, a view), is Spark's table: it has its columns.
      const columns = Object.values(getTableColumns(users)).map((c) => `"${c.name}" text`);
      await root.unsafe(`create schema copy; create table copy.users (${columns.join(", ")})`);
      await root.unsafe(`create view copy.events as select * from copy.users`);
      await root.unsafe(
        `grant usage on schema copy to ${app.target.username}; grant select on copy.users, copy.events to ${app.target.username}`,
      );
      expect((await reader.checkPrivileges()).join(" ")).toMatch(/can read Spark's own tables \(copy\.users\)/);
      await root.end();

      const spark = await openScratchDatabase({ driver: "postgres", adminUrl: pgUrl! });
      try {
        const sparkName = rowsOf<{ name: string }>(await spark.db.execute(sql`select current_database() as name`))[0]!
          .name;
        const onSpark = postgresConnection(
          "spark",
          {
            ...app.target,
            database: sparkName,
            username: decodeURIComponent(admin.username),
            password: decodeURIComponent(admin.password),
          },
          { timeoutMs: 5_000 },
        );
        expect((await onSpark.checkPrivileges()).join(" ")).toMatch(/Spark's own database/);
      } finally {
        await spark.close();
      }
    } finally {
      await app.drop();
    }
  });
});

describe("least privilege on MySQL/MariaDB: SHOW GRANTS judged", () => {
  const cases: [string, string[], RegExp | null][] = [
    [
      "SELECT on the application's schema",
      ["GRANT USAGE ON *.* TO `r`@`%` IDENTIFIED BY PASSWORD '*ABC'", "GRANT SELECT ON `app`.* TO `r`@`%`"],
      null,
    ],
    ["column-level SELECT", ["GRANT SELECT (`id`, `title`) ON `app`.`items` TO `r`@`%`"], null],
    ["root", ["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"], /ALL PRIVILEGES/],
    ["FILE", ["GRANT FILE ON *.* TO `r`@`%`"], /holds FILE/],
    ["PROCESS and SUPER", ["GRANT PROCESS, SUPER ON *.* TO `r`@`%`"], /PROCESS, SUPER/],
    ["a write", ["GRANT SELECT, INSERT ON `app`.* TO `r`@`%`"], /holds INSERT/],
    ["a role", ["GRANT `app_admin` TO `r`@`%`"], /role or proxy/],
  ];
  it.each(cases)("%s", (_name, grants, problem) => {
    const problems = judgeMysqlGrants(grants);
    if (problem === null) expect(problems).toEqual([]);
    else expect(problems.join(" ")).toMatch(problem);
    expect(problems.join(" ")).not.toMatch(/\*ABC/);
  });

  it.runIf(remote && !!mysqlUrl)("refuses root on the real server, and accepts a SELECT-only user", async () => {
    const app = await createAppMysql(mysqlUrl!, ["create table items (id int primary key)"]);
    const root = new URL(mysqlUrl!);
    try {
      const asRoot = mysqlConnection(
        "root",
        {
          ...app.target,
          username: decodeURIComponent(root.username) || "root",
          password: decodeURIComponent(root.password),
        },
        { timeoutMs: 5_000 },
      );
      expect((await asRoot.checkPrivileges()).join(" ")).toMatch(/ALL PRIVILEGES|FILE/);
      expect(await mysqlConnection("reader", app.target, { timeoutMs: 5_000 }).checkPrivileges()).toEqual([]);
    } finally {
      await app.drop();
    }
  });
});
