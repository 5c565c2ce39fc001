import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockDataDir } from "./data-dir-lock";
import { DatabaseOpenError } from "./errors";

const dirs: string[] = [];
function freshDir() {
  const dir = mkdtempSync(join(tmpdir(), "spark-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const holderScript = (dir: string) => `
  const { writeFileSync, linkSync, unlinkSync } = require("node:fs");
  const { hostname } = require("node:os");
  const stat = require("node:fs").readFileSync("/proc/self/stat", "utf8");
  const startTicks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  writeFileSync(${JSON.stringify(join(dir, "spark.lock"))}, JSON.stringify({ pid: process.pid, host: hostname(), startTicks, command: "holder", since: new Date().toISOString() }));
  process.stdout.write("locked\\n");
  setInterval(() => {}, 1000);
`;

describe("lockDataDir", () => {
  it("refuses a directory another live process holds, naming that process", async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ["-e", holderScript(dir)], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve) => holder.stdout.once("data", resolve));
    try {
      expect(() => lockDataDir(dir)).toThrow(DatabaseOpenError);
      expect(() => lockDataDir(dir)).toThrow(new RegExp(`in use by process ${holder.pid} \\(holder\\)`));
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("takes over a lock left by a dead process", () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const pid = Number(dead.stdout);
    writeFileSync(
      join(dir, "spark.lock"),
      JSON.stringify({ pid, host: hostname(), startTicks: "1", command: "gone", since: "2026-01-01T00:00:00Z" }),
    );
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.path, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock whose pid now belongs to a different process", () => {
    const dir = freshDir();
    // pid 1 is alive, but its start time differs from the one recorded, so the pid was recycled.
    writeFileSync(
      join(dir, "spark.lock"),
      JSON.stringify({ pid: 1, host: hostname(), startTicks: "-1", command: "old", since: "2026-01-01T00:00:00Z" }),
    );
    const lock = lockDataDir(dir);
    lock.release();
  });

  it("refuses a second lock in the same process and frees the directory on release", () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(/in use by this process already/);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lockDataDir(dir).release();
  });

  it("creates missing parent directories", () => {
    const dir = join(freshDir(), "a", "b");
    const lock = lockDataDir(dir);
    expect(existsSync(lock.path)).toBe(true);
    lock.release();
  });

  it("names an unusable directory in one line", () => {
    const file = join(freshDir(), "file");
    writeFileSync(file, "");
    expect(() => lockDataDir(join(file, "data"))).toThrow(
      `SPARK_DATA_DIR ${join(file, "data")} is not a writable directory (ENOTDIR); set SPARK_DATA_DIR to a directory Spark can write to.`,
    );
  });
});
