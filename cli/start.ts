import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { describePostgresUrl } from "@/db/client";
import { lockDataDir } from "@/db/data-dir-lock";
import { loadConfig } from "@/runtime/config";
import { runCli } from "./run";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

/**
 * `npm start`: checks the settings, builds when there is no build, then runs `next start`, whose
 * process opens and migrates the database and owns it from then on.
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
    if (build.status !== 0) return 1;
  }

  const server = spawn(process.execPath, [nextBin, "start", "--port", String(config.port)], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
  return new Promise<number>((resolve) => server.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
});
