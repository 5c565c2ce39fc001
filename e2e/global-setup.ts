import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { cronSecret, e2eDir, serverFile, type E2eServer } from "./server";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts Spark the way an operator does (`npm start`'s script) on a fresh embedded data dir, and
 * reads the one-time setup link from its stdout, exactly as a new operator would.
 */
export default async function globalSetup() {
  rmSync(e2eDir, { recursive: true, force: true });
  mkdirSync(e2eDir, { recursive: true });
  const dataDir = mkdtempSync(join(e2eDir, "data-"));
  const port = await freePort();
  const log = openSync(join(e2eDir, "server.log"), "a");
  const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "cli/start.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      SPARK_DATA_DIR: dataDir,
      SPARK_ADMIN_EMAIL: "",
      SPARK_ADMIN_PASSWORD: "",
      DATABASE_URL: "",
      SPARK_CRON_SECRET: cronSecret,
      SPARK_SECRET_KEY: "e2e secret key for sealed connection passwords",
      // The subscriptions spec's receiver listens on 127.0.0.1.
      SPARK_WEBHOOK_ALLOW_PRIVATE: "1",
      SPARK_SCHEDULE_SECONDS: "0",
      SPARK_TRUSTED_PROXIES: "1",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "pipe", log],
    detached: true,
  });
  const baseURL = `http://127.0.0.1:${port}`;
  const setupUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`Spark printed no setup link within 120 s; see ${join(e2eDir, "server.log")}:\n${out}`)),
      120_000,
    );
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      writeFileSync(join(e2eDir, "server.out"), out);
      const match = out.match(/(http:\/\/\S+\/setup\/[A-Za-z0-9_-]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!.replace(/^http:\/\/localhost:/, "http://127.0.0.1:"));
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`Spark exited with code ${code} before printing a setup link:\n${out}`)),
    );
  });
  child.stdout!.on("data", () => {});
  const server: E2eServer = { baseURL, setupUrl, dataDir, pid: child.pid! };
  writeFileSync(serverFile, JSON.stringify(server));
  process.env.SPARK_E2E_BASE_URL = baseURL;
}
