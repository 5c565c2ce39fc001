import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { authenticateApiKey, listKeys } from "@/spark/api-keys/api-keys";
import { runCliScript } from "../testing/cli";

describe.skipIf(process.env.SPARK_TEST_DRIVER === "postgres")("npm run api-key", () => {
  let dataDir = "";
  const apiKey = (args: string[]) =>
    runCliScript("cli/api-key.ts", args, { env: { SPARK_DATA_DIR: dataDir, SPARK_DEMO: "0" } });
  /** Opens the CLI's database between runs (the CLI holds its lock only while it runs). */
  async function withDeps<T>(fn: (deps: Parameters<typeof listKeys>[0] & { clock: () => Date }) => Promise<T>) {
    const database = await openDatabase({ driver: "pglite", dataDir });
    try {
      return await fn({ db: database.db, clock: () => new Date() });
    } finally {
      await database.close();
    }
  }

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "spark-api-key-"));
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  let secret = "";

  it("creates a key and prints it alone on stdout's last line, the words for a person on stderr", async () => {
    const result = await apiKey(["create", "deploy-bot", "--scopes", "ingest,read"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.at(-1)).toBe("");
    secret = lines.at(-2)!;
    expect(secret).toMatch(/^spk_[A-Za-z0-9_-]{43}$/);
    expect(result.stdout).toBe(`${secret}\n`);
    expect(result.stderr).toBe(
      'Created the API key "deploy-bot" (ingest, read). Copy it now: Spark keeps only its hash and cannot show it again.\n',
    );
    await withDeps(async (deps) => {
      const check = await authenticateApiKey(deps, {
        authorization: `Bearer ${secret}`,
        scope: "read",
        address: "127.0.0.1",
      });
      expect(check).toMatchObject({ ok: true, key: { name: "deploy-bot", scopes: ["ingest", "read"] } });
      expect((await listKeys(deps)).find((k) => k.name === "deploy-bot")?.createdBy).toBeNull();
    });
  });

  it("lists keys without their secrets", async () => {
    const result = await apiKey(["list"]);
    expect(result.code).toBe(0);
    const [line, ...rest] = result.stdout.trimEnd().split("\n");
    expect(rest).toEqual([]);
    const columns = line!.split("\t");
    expect(columns.slice(1, 5)).toEqual(["deploy-bot", `${secret.slice(0, 10)}…`, "ingest,read", "live"]);
    expect(columns[5]).toMatch(/^created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by the command line$/);
    expect(columns[6]).toMatch(/^last used .* from 127\.0\.0\.1$/);
    expect(result.stdout).not.toContain(secret);
  });

  it.each([
    [
      ["create", "other", "--scopes", "ingest,write"],
      "spark: unknown scope 'write'; use ingest, read, mail, admin (comma-separated).\n",
    ],
    [
      ["create", "--scopes", "ingest"],
      "spark: 'create' needs a name: npm run api-key -- create deploy-bot --scopes ingest,read\n",
    ],
    [
      ["create", "other"],
      "spark: 'create' needs --scopes, one or more of ingest, read, mail, admin: --scopes ingest,read\n",
    ],
    [["create", "other", "--scopes", ","], "spark: Pick at least one scope.\n"],
    [["create", "DEPLOY-BOT", "--scopes", "read"], 'spark: A live key is already named "DEPLOY-BOT".\n'],
    [["revoke"], "spark: 'revoke' needs a key's name or id: npm run api-key -- revoke deploy-bot\n"],
    [["rotate", "deploy-bot"], "spark: unknown command 'rotate'. Usage: npm run api-key -- <command>\n"],
    [["create", "x", "--scope", "read"], "spark: unknown option --scope; the options are --scopes and --help.\n"],
    [["create", "x", "--scopes"], "spark: --scopes needs a value: --scopes ingest,read\n"],
  ])("refuses %j in one line with exit code 1", async (args, message) => {
    expect(await apiKey(args)).toEqual({ code: 1, stdout: "", stderr: message });
  });

  it("revokes by name, then says it was already revoked; an unknown name is an error", async () => {
    const first = await apiKey(["revoke", "deploy-bot"]);
    expect(first).toEqual({
      code: 0,
      stdout: `Revoked the API key "deploy-bot" (${secret.slice(0, 10)}…); its next request is refused.\n`,
      stderr: "",
    });
    await withDeps(async (deps) => {
      const check = await authenticateApiKey(deps, {
        authorization: `Bearer ${secret}`,
        scope: "read",
        address: "127.0.0.1",
      });
      expect(check).toMatchObject({ ok: false, status: 401 });
    });
    expect((await apiKey(["revoke", "deploy-bot"])).stdout).toBe(
      `The API key "deploy-bot" (${secret.slice(0, 10)}…) was already revoked.\n`,
    );
    expect(await apiKey(["revoke", "nobody"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "spark: no API key has the name or id 'nobody'; 'npm run api-key -- list' shows them.\n",
    });
  });

  it("revokes by id, and lets the name be used again by a new key", async () => {
    const created = await apiKey(["create", "deploy-bot", "--scopes", "admin"]);
    expect(created.code).toBe(0);
    const id = await withDeps(async (deps) => (await listKeys(deps)).find((k) => !k.revokedAt)!.id);
    const revoked = await apiKey(["revoke", id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked the API key "deploy-bot"/);
    const list = await apiKey(["list"]);
    expect(
      list.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t")[4]!.split(" ")[0]),
    ).toEqual(["revoked", "revoked"]);
  });

  it("asks the server that holds the embedded database, with the internal secret, and prints its answer", async () => {
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
      const seen: { line: string; body: unknown }[] = [];
      const served = `spk_${"s".repeat(43)}`;
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += String(chunk)));
        req.on("end", () => {
          seen.push({ line: `${req.method} ${req.url} ${req.headers.authorization}`, body: JSON.parse(body) });
          res.setHeader("content-type", "application/json");
          res.end(
            JSON.stringify({
              ok: true,
              command: "create",
              key: {
                id: "00000000-0000-4000-8000-000000000001",
                name: "via-server",
                scopes: ["ingest"],
                prefix: served.slice(0, 10),
                secret: served,
              },
            }),
          );
        });
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      writeFileSync(
        join(dataDir, "server.json"),
        JSON.stringify({ url: `http://127.0.0.1:${port}`, secret: "the-internal-secret", pid: holder.pid }),
      );

      const result = await apiKey(["create", "via-server", "--scopes", "ingest"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${served}\n`);
      expect(result.stderr).toContain(`held by the server (pid ${holder.pid})`);
      expect(seen).toEqual([
        {
          line: "POST /api/internal/api-keys Bearer the-internal-secret",
          body: { command: "create", name: "via-server", scopes: ["ingest"] },
        },
      ]);
    } finally {
      holder.kill("SIGKILL");
      server?.close();
      rmSync(join(dataDir, "spark.lock"), { force: true });
      rmSync(join(dataDir, "server.json"), { force: true });
    }
  });
});
