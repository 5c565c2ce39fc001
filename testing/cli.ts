import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(root, "node_modules/.bin/tsx");

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** Runs a CLI the way a person would, with only the settings given here (for tests). */
export function runCliScript(
  script: string,
  args: string[],
  { stdin = "", env = {} }: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of [
    "DATABASE_URL",
    "PORT",
    "SPARK_URL",
    "SPARK_ADMIN_EMAIL",
    "SPARK_ADMIN_PASSWORD",
    "SPARK_DB_POOL",
    "SPARK_SESSION_DAYS",
    "SPARK_DEMO",
    "SPARK_CRON_SECRET",
  ]) {
    if (!(name in env)) delete childEnv[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [script, ...args], { cwd: root, env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
