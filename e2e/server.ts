import { readFileSync } from "node:fs";
import { join } from "node:path";

/** What global setup learned about the server it started, shared with the tests through a file. */
export type E2eServer = { baseURL: string; setupUrl: string; dataDir: string; pid: number };

export const e2eDir = join(process.cwd(), ".e2e");
export const serverFile = join(e2eDir, "server.json");
export const adminState = join(e2eDir, "admin.json");
/** Known to the tests so they can call the cron route as cron would. */
export const cronSecret = "e2e-cron-secret-0123456789";
export const admin = { email: "admin@example.com", password: "correct horse battery staple" };

export function readServer(): E2eServer {
  return JSON.parse(readFileSync(serverFile, "utf8")) as E2eServer;
}
