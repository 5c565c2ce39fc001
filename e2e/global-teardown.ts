import { existsSync } from "node:fs";
import { readServer, serverFile } from "./server";

export default async function globalTeardown() {
  if (!existsSync(serverFile)) return;
  const { pid } = readServer();
  try {
    // The server runs in its own process group: end `npm start`'s script and the Next server together.
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(-pid, "SIGKILL");
}
