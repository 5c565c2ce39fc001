import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { insertGenerator } from "@/db/queries/generators";
import { dataDirWithSample } from "@/testing/connections";
import { runCliScript } from "../testing/cli";

describe.skipIf(process.env.SPARK_TEST_DRIVER === "postgres")("npm run job", () => {
  let dataDir = "";
  const job = (env: Record<string, string> = {}) =>
    runCliScript("cli/job.ts", [], { env: { SPARK_DATA_DIR: dataDir, ...env } });

  beforeAll(async () => {
    // The sample image is built once here rather than by the first pass: the e2e server's first start builds its own.
    dataDir = await dataDirWithSample();
  });
  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    "seeds the demo on a new embedded database, runs a pass and prints one JSON line",
    { timeout: 90_000 },
    async () => {
      const first = await job();
      expect(first.code).toBe(0);
      const lines = first.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const summary = JSON.parse(lines[0]!);
      expect(summary).toMatchObject({ status: "ok", trigger: "cli", deliveries: { failed: 0, dead: 0 }, errors: [] });
      expect(summary.events.recorded).toBeGreaterThan(0);
      // The demo's templates mail the new events; without SMTP_URL they land in the capture inbox.
      expect(summary.deliveries.sent).toBeGreaterThan(summary.events.recorded);
      expect(first.stderr).toContain("Seeded the demo");

      const second = JSON.parse((await job()).stdout);
      expect(second.events).toEqual({ recorded: 0, seen: summary.events.recorded });
      expect(second.deliveries).toEqual({ sent: 0, failed: 0, dead: 0 });
    },
  );

  it("exits 1 and names the problem when the pass records an error", async () => {
    const database = await openDatabase({ driver: "pglite", dataDir });
    await insertGenerator(database.db, { name: "orphan", group: "orphan", source: "code:gone" });
    await database.close();
    const result = await job();
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).status).toBe("error");
    expect(result.stderr).toContain("error in generator orphan: Source code:gone: No code source is named 'gone'");
  });

  it("asks the server that holds the embedded database to run the pass", async () => {
    const holder = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    let server: Server | undefined;
    try {
      const ticks = (await import("node:fs")).readFileSync(`/proc/${holder.pid}/stat`, "utf8");
      const startTicks = ticks.slice(ticks.lastIndexOf(")") + 2).split(" ")[19];
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
      const seen: string[] = [];
      server = createServer((req, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            runId: 9,
            status: "ok",
            trigger: "cli",
            events: { recorded: 2, seen: 0 },
            deliveries: { sent: 0, failed: 0, dead: 0 },
            generators: [],
            groups: {},
            errors: [],
            durationMs: 3,
          }),
        );
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      writeFileSync(
        join(dataDir, "server.json"),
        JSON.stringify({ url: `http://127.0.0.1:${port}`, secret: "the-internal-secret", pid: holder.pid }),
      );

      const result = await job();
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ runId: 9, events: { recorded: 2, seen: 0 } });
      expect(seen).toEqual(["POST /api/jobs/run Bearer the-internal-secret"]);
    } finally {
      holder.kill("SIGKILL");
      server?.close();
      rmSync(join(dataDir, "spark.lock"), { force: true });
      rmSync(join(dataDir, "server.json"), { force: true });
    }
  });
});
