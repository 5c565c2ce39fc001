import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const h = vi.hoisted(() => ({ engine: null as unknown }));
vi.mock("server-only", () => ({}));
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined }),
  headers: async () => new Headers(),
}));
vi.mock("@/app/_server/engine", () => ({ getEngine: async () => h.engine }));

import { POST } from "@/app/api/internal/import/route";
import { openDatabase } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { createAppPostgres, type AppPostgres } from "@/testing/connections";
import { openTestDatabase } from "@/testing/database";
import { testDeps } from "@/testing/deps";
import { runCliScript } from "../testing/cli";

const postgresUrl = process.env.TEST_DATABASE_URL;

const SITE = `
  create table spark_event (key varchar(100) primary key, "group" varchar(50) not null, created_at timestamptz not null, context text not null default '');
  insert into spark_event (key, "group", created_at) values
    ('challenge_created_1', 'challenge_created', '2024-01-01'), ('challenge_created_2', 'challenge_created', '2024-01-02'),
    ('challenge_ends_2d_1', 'challenge_ends_2d', '2024-01-03'), ('odd key', 'odd', '2024-01-04');
  create table spark_mails_mail (id serial primary key, event_group varchar(50) not null unique, template_source text not null);
  insert into spark_mails_mail (event_group, template_source) values ('challenge_created', 'Welcome

Hello there.');`;

const urlOf = (app: AppPostgres) =>
  `postgres://${app.target.username}:${encodeURIComponent(app.target.password)}@${app.target.host}:${app.target.port}/${app.target.database}`;

describe.skipIf(process.env.SPARK_TEST_DRIVER === "postgres" || !postgresUrl)("npm run import -- django-spark", () => {
  let dataDir = "";
  let app: AppPostgres;
  const run = (args: string[]) =>
    runCliScript("cli/import.ts", args, { env: { SPARK_DATA_DIR: dataDir, SPARK_DEMO: "0" } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "spark-import-"));
    app = await createAppPostgres(postgresUrl!, SITE);
  });
  afterAll(async () => {
    await app?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a wrong command line in one line with exit 1, before opening any database", async () => {
    for (const [args, message] of [
      [[], "spark: name what to import."],
      [["rails"], "spark: Spark imports from django-spark only, not 'rails'."],
      [["django-spark"], "spark: name django-spark's database: --from postgres://"],
      [
        ["django-spark", "--from", "ftp://x/y"],
        "spark: --from must start with postgres:// or mysql:// (it starts with ftp://).",
      ],
      [["django-spark", "--from", "postgres://reader:secret@db.example.com"], "spark: --from names no database"],
      [["django-spark", "--from", "x", "--force"], "spark: unknown option --force"],
    ] as const) {
      const result = await run([...args]);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr.startsWith(message), result.stderr).toBe(true);
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(result.stderr).not.toContain("secret");
    }
  });

  it("refuses a source user that may do more than read, saying what to change", async () => {
    const result = await run(["django-spark", "--from", postgresUrl!.replace(/\/[^/]*$/, `/${app.target.database}`)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^spark: .*superuser; connect as a read-only role/);
  });

  it("imports django-spark's keys and templates, and a second run finds everything already present", async () => {
    const dry = await run(["django-spark", "--from", urlOf(app), "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(
      "Dry run, nothing written: 4 keys read: 3 would be translated, 1 would be kept as they were",
    );
    const first = await run(["django-spark", "--from", urlOf(app)]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      events: { read: 4, translated: 3, kept: 1, present: 0, skipped: 0 },
      templates: { imported: 1 },
    });
    expect(first.stderr).toContain(
      'template for challenge_created: imported, inactive, as "django-spark challenge_created"',
    );
    const second = await run(["django-spark", "--from", urlOf(app)]);
    expect(JSON.parse(second.stdout)).toMatchObject({
      events: { read: 4, translated: 0, kept: 0, present: 4 },
      templates: { imported: 0, present: 1 },
    });
    const database = await openDatabase({ driver: "pglite", dataDir });
    try {
      const keys = rowsOf<{ key: string }>(await database.db.execute(sql`select key from events order by key`));
      expect(keys.map((k) => k.key)).toEqual([
        "challenge_created:1",
        "challenge_created:2",
        "challenge_ends_2d:1",
        "odd key",
      ]);
    } finally {
      await database.close();
    }
  });

  it("asks the server that holds the embedded database, which streams progress and the report", async () => {
    const database = await openTestDatabase();
    h.engine = { deps: testDeps(database), internalSecret: "the-internal-secret" };
    const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    let server: Server | undefined;
    try {
      const stat = readFileSync(`/proc/${holder.pid}/stat`, "utf8");
      const startTicks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
      writeFileSync(
        join(dataDir, "spark.lock"),
        JSON.stringify({
          pid: holder.pid,
          host: hostname(),
          startTicks,
          command: "next-server",
          since: new Date().toISOString(),
        }),
      );
      // The real route, served over HTTP to the CLI.
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += String(chunk)));
        req.on("end", async () => {
          const answer = await POST(
            new Request(`http://127.0.0.1${req.url}`, {
              method: "POST",
              headers: { authorization: String(req.headers.authorization), "content-type": "application/json" },
              body,
            }),
          );
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" });
          res.end(Buffer.from(await answer.arrayBuffer()));
        });
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      writeFileSync(
        join(dataDir, "server.json"),
        JSON.stringify({ url: `http://127.0.0.1:${port}`, secret: "the-internal-secret", pid: holder.pid }),
      );
      const result = await run(["django-spark", "--from", urlOf(app)]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`held by the server (pid ${holder.pid})`);
      expect(JSON.parse(result.stdout)).toMatchObject({ events: { read: 4, translated: 3, kept: 1 } });
      const keys = rowsOf<{ key: string }>(await database.db.execute(sql`select key from events order by key`));
      expect(keys).toHaveLength(4);

      // Without the internal secret the route does nothing.
      const refused = await POST(
        new Request("http://127.0.0.1/api/internal/import", {
          method: "POST",
          headers: { authorization: "Bearer not-it", "content-type": "application/json" },
          body: JSON.stringify({ from: urlOf(app) }),
        }),
      );
      expect(refused.status).toBe(401);
    } finally {
      holder.kill("SIGKILL");
      server?.close();
      rmSync(join(dataDir, "spark.lock"), { force: true });
      rmSync(join(dataDir, "server.json"), { force: true });
      await database.close();
    }
  });
});
