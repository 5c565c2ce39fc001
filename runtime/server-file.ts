import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newToken } from "../spark/accounts/tokens";

/**
 * A running server that holds the embedded database leaves its address and a private secret in the
 * data dir (mode 600), so `npm run job` on the same machine can ask it to run the pass instead of
 * opening the locked database.
 */
export type ServerFile = { url: string; secret: string; pid: number };

const fileIn = (dataDir: string) => join(dataDir, "server.json");

export function writeServerFile(dataDir: string, { port }: { port: number }): ServerFile {
  const server: ServerFile = { url: `http://127.0.0.1:${port}`, secret: newToken(), pid: process.pid };
  const path = fileIn(dataDir);
  writeFileSync(path, JSON.stringify(server), { mode: 0o600 });
  chmodSync(path, 0o600);
  process.on("exit", () => rmSync(path, { force: true }));
  return server;
}

export function readServerFile(dataDir: string): ServerFile | null {
  try {
    const server = JSON.parse(readFileSync(fileIn(dataDir), "utf8")) as ServerFile;
    return typeof server.url === "string" && typeof server.secret === "string" ? server : null;
  } catch {
    return null;
  }
}
