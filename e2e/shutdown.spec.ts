import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { e2eDir } from "./server";
import { expect, test } from "./fixtures";

const LEASE_SECONDS = 10;
const cronSecret = "shutdown-spec-cron-secret-0123456789";

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

/** Every process below `pid`, read from /proc: what a supervisor would leave behind. */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while the list was read.
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

test.describe("npm start under a supervisor", () => {
  test.setTimeout(120_000);
  let server: ChildProcess | undefined;

  test.afterEach(() => {
    // Whatever the outcome, nothing of this test's server may outlive it.
    try {
      if (server?.pid) process.kill(-server.pid, "SIGKILL");
    } catch {
      // Already gone, as it should be.
    }
  });

  test("SIGTERM to the top process alone stops every process of the tree, within the lease time, with the job lease released", async () => {
    const dataDir = mkdtempSync(join(e2eDir, "shutdown-"));
    const port = await freePort();
    let output = "";
    server = spawn("npm", ["start"], {
      env: {
        ...process.env,
        PORT: String(port),
        SPARK_DATA_DIR: dataDir,
        DATABASE_URL: "",
        SPARK_ADMIN_EMAIL: "",
        SPARK_ADMIN_PASSWORD: "",
        SPARK_CRON_SECRET: cronSecret,
        SPARK_SECRET_KEY: "e2e secret key for sealed connection passwords",
        SPARK_SCHEDULE_SECONDS: "0",
        SPARK_LEASE_SECONDS: String(LEASE_SECONDS),
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so the afterEach can clean up; the signal below goes to the top pid only.
      detached: true,
    });
    server.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => server!.once("exit", (code) => resolve(code)));

    const base = `http://127.0.0.1:${port}`;
    await expect
      .poll(async () => (await fetch(`${base}/api/health`).catch(() => null))?.status ?? 0, { timeout: 90_000 })
      .toBe(200);

    // A first start builds the sample database's image in this process for half a minute; a stop then
    // waits for it (within the lease time still). Here the pass, not the build, is what is under way.
    await expect.poll(() => existsSync(join(dataDir, "sample", "sample-v1.tar.gz")), { timeout: 90_000 }).toBe(true);

    // A pass under way when the signal comes: the cron route starts one (its answer may never come).
    void fetch(`${base}/api/jobs/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${cronSecret}` },
    }).catch(() => null);
    await new Promise((r) => setTimeout(r, 300));

    const tree = descendantsOf(server.pid!);
    expect(tree.length).toBeGreaterThan(0);
    const signalledAt = Date.now();
    process.kill(server.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, (LEASE_SECONDS + 5) * 1000))]);
    const tookMs = Date.now() - signalledAt;

    await expect.poll(() => [server!.pid!, ...tree].filter(alive), { timeout: 2_000 }).toEqual([]);
    expect(tookMs, output).toBeLessThan(LEASE_SECONDS * 1000);
    expect(output).toContain("SIGTERM: stopping");

    // The lease was let go: a pass from the shell on the same data runs at once instead of being skipped.
    const env: NodeJS.ProcessEnv = { ...process.env, SPARK_DATA_DIR: dataDir, SPARK_LEASE_SECONDS: "10" };
    delete env.DATABASE_URL;
    const job = spawnSync(process.execPath, ["--import", "tsx", "cli/job.ts"], {
      env,
      encoding: "utf8",
      timeout: 90_000,
    });
    const summary = JSON.parse(job.stdout.trim().split("\n").at(-1)!);
    expect(summary.status, job.stderr).not.toBe("skipped");
  });
});
