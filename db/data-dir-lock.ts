import { readFileSync, unlinkSync, writeFileSync, linkSync, mkdirSync, accessSync, constants } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DatabaseOpenError } from "./errors";

type LockOwner = { pid: number; host: string; startTicks: string | null; command: string; since: string };

export type DataDirLock = { path: string; release(): void };

const LOCK_FILE = "spark.lock";

/**
 * Takes the exclusive lock on an embedded data directory. PGlite is single-process and two processes
 * on one directory corrupt it without a word, so a second process must never open it: it stops here
 * with the holder's pid. A lock left by a dead process (or by a recycled pid) is taken over.
 */
export function lockDataDir(dir: string): DataDirLock {
  ensureWritableDir(dir);
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startTicks: readStartTicks(process.pid),
    command: process.argv.slice(1).join(" ").slice(0, 200),
    since: new Date().toISOString(),
  };
  const body = JSON.stringify(me);
  for (let attempt = 0; attempt < 5; attempt++) {
    // link() fails when the target exists, so exactly one process wins the race to a free lock.
    const candidate = `${path}.${process.pid}.${attempt}`;
    writeFileSync(candidate, body);
    try {
      linkSync(candidate, path);
      unlinkSync(candidate);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        if (readOwnerText(path) === body) unlinkSync(path);
      };
      process.on("exit", release);
      return { path, release };
    } catch (error) {
      unlinkSync(candidate);
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw describeFsError(dir, error);
    }
    const text = readOwnerText(path);
    if (text === null) continue;
    const owner = parseOwner(text);
    if (owner && isAlive(owner)) {
      const who =
        owner.pid === process.pid
          ? "this process already"
          : `process ${owner.pid} (${owner.command || "unknown command"}) on ${owner.host}`;
      throw new DatabaseOpenError(
        `The embedded database in ${dir} is in use by ${who} since ${owner.since}; stop it, or set SPARK_DATA_DIR to another directory.`,
      );
    }
    // Stale: remove it only if it is still the same stale file we judged, then race for it again.
    if (readOwnerText(path) === text) {
      try {
        unlinkSync(path);
      } catch {
        // Another process removed it first; the next attempt decides who wins.
      }
    }
  }
  throw new DatabaseOpenError(`Could not take the lock on ${path}; another process keeps changing it.`);
}

function ensureWritableDir(dir: string) {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw describeFsError(dir, error);
  }
}

function describeFsError(dir: string, error: unknown) {
  const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
  return new DatabaseOpenError(
    `SPARK_DATA_DIR ${dir} is not a writable directory (${code}); set SPARK_DATA_DIR to a directory Spark can write to.`,
  );
}

function readOwnerText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) ? owner : null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A pid on another host cannot be checked from here, so it is honoured.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const ticks = readStartTicks(owner.pid);
  return owner.startTicks === null || ticks === null || ticks === owner.startTicks;
}

/** The process start time from /proc, which tells a live holder from a recycled pid. */
function readStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}
