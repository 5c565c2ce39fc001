import { openDatabase } from "@/db/client";
import { loadConfig } from "@/runtime/config";
import { silentLogger } from "@/spark/logger";
import { createMailer } from "@/runtime/mailer";
import { createPassRunner, openConnections } from "@/runtime/start";

/**
 * One job pass in a process of its own, composed like the server's (settings from the environment,
 * SMTP_URL's pool), printing its summary as one JSON line. RELIABILITY_NO_LEASE=1 runs it without the
 * job lease, so overlapping passes really overlap instead of skipping.
 */
const config = loadConfig();
if (config.database.driver !== "postgres")
  throw new Error("the reliability suite runs on PostgreSQL: set DATABASE_URL");
const database = await openDatabase(config.database);
const mailer = createMailer({ config, database });
const connections = await openConnections({ config, database });
try {
  const summary = await createPassRunner({ config, database, log: silentLogger, mailer, connections })("cli", {
    useLease: process.env.RELIABILITY_NO_LEASE !== "1",
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  // As `npm run job`: a pass that recorded errors exits 1.
  process.exitCode = summary.status === "error" ? 1 : 0;
} finally {
  await Promise.all([mailer.close(), connections.close()]);
  await database.close();
}
