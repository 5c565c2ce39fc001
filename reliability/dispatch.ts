import { openDatabase } from "@/db/client";
import { loadConfig } from "@/runtime/config";
import { openRuntime } from "@/runtime/compose";
import { startDispatcher } from "@/runtime/dispatcher";
import { silentLogger } from "@/spark/logger";

/**
 * The server's subscription dispatcher in a process of its own, composed like the server's, until
 * SIGTERM: what the fault suite kills with -9 mid-stream and starts again.
 */
const config = loadConfig();
if (config.database.driver !== "postgres")
  throw new Error("the reliability suite runs on PostgreSQL: set DATABASE_URL");
const database = await openDatabase(config.database);
const runtime = await openRuntime(config, { log: silentLogger, database });
const dispatcher = startDispatcher({
  deps: runtime.deps,
  listen: database.listen,
  holder: `reliability:${process.pid}`,
});
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void dispatcher
    .stop()
    .then(() => runtime.close())
    .finally(() => process.exit(0));
});
