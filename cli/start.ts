import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { describePostgresUrl } from "@/db/client";
import { lockDataDir } from "@/db/data-dir-lock";
import { loadConfig } from "@/runtime/config";
import { CliError, runCli } from "./run";

const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");

/**
 * `npm start`: checks the settings, builds when there is no build, then runs Next's production server
 * in this very process, which opens and migrates the database and owns it from then on.
 *
 * One process, not a launcher with `next start` as its child: a supervisor (systemd, a container
 * runtime, npm itself) that signals only the process it started reaches the server, whose SIGTERM and
 * SIGINT handler (app/_server/boot.ts) lets running passes finish their batch, releases the job lease,
 * closes the database and exits. A launcher that died first used to leave `next-server` running.
 */
runCli(async () => {
  const config = loadConfig();
  // Settle what can be settled before a long build: a bad URL or a data dir held by another process.
  if (config.database.driver === "postgres") describePostgresUrl(config.database.url);
  else lockDataDir(config.database.dataDir).release();

  if (!existsSync(".next/BUILD_ID")) {
    process.stderr.write("No production build yet: running `next build` (this takes a minute or two)…\n");
    const build = spawnSync(process.execPath, [nextBin, "build"], {
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (build.status !== 0) throw new CliError("`next build` failed; see its output above.");
  }

  Object.assign(process.env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    // Spark's handler stops the server; Next's own would exit before the passes let go of their leases.
    NEXT_MANUAL_SIG_HANDLE: "1",
  });
  const { startServer } = require("next/dist/server/lib/start-server") as {
    startServer(options: { dir: string; port: number; isDev: boolean; hostname?: string }): Promise<void>;
  };
  await startServer({ dir: process.cwd(), port: config.port, isDev: false });
  // The server runs until a signal ends the process; runCli must not exit when this returns.
  return new Promise<never>(() => {});
});
