import { spawnSync } from "node:child_process";
import { cronSecret, readServer } from "./server";
import { expect, test } from "./fixtures";

test("the cron route runs a pass with the secret and refuses without it", async ({ request }) => {
  const missing = await request.post("/api/jobs/run");
  expect(missing.status()).toBe(401);
  expect(await missing.json()).toEqual({ error: "Send Authorization: Bearer <SPARK_CRON_SECRET>." });
  const wrong = await request.post("/api/jobs/run", { headers: { authorization: `Bearer ${cronSecret}x` } });
  expect(wrong.status()).toBe(401);

  const ok = await request.post("/api/jobs/run", { headers: { authorization: `Bearer ${cronSecret}` } });
  expect(ok.status()).toBe(200);
  const summary = await ok.json();
  expect(summary).toMatchObject({ trigger: "cron", deliveries: { sent: expect.any(Number), failed: 0, dead: 0 } });
  expect(["ok", "error"]).toContain(summary.status);
  expect(typeof summary.events.recorded).toBe("number");
  expect(typeof summary.durationMs).toBe("number");
});

test("npm run job asks the running server, which holds the embedded database, to run the pass", () => {
  const { dataDir } = readServer();
  const env: NodeJS.ProcessEnv = { ...process.env, SPARK_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const result = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "cli/job.ts"], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.stderr).toContain("asking it to run the pass");
  const lines = result.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const summary = JSON.parse(lines[0]!);
  expect(summary.trigger).toBe("cli");
  expect(result.status).toBe(summary.status === "error" ? 1 : 0);
});
