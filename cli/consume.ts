import { lockDataDir } from "@/db/data-dir-lock";
import { DatabaseOpenError } from "@/db/errors";
import { loadConfig } from "@/runtime/config";
import { openRuntime } from "@/runtime/compose";
import { createLogger } from "@/spark/logger";
import { connectorFor, findInboundByName } from "@/spark/inbound/inbounds";
import { runInbound } from "@/spark/inbound/run";
import { CliError, runCli } from "./run";

/**
 * `npm run consume -- <inbound name>`: one inbound's consumer in the foreground, a line per batch on
 * stderr, until Ctrl+C or SIGTERM — for a worker process of its own beside the server, or to watch
 * an inbound's messages come in. The server runs every active inbound itself.
 */
runCli(async () => {
  const args = process.argv.slice(2);
  const name = args[0];
  if (!name || args.length > 1) throw new CliError("name one inbound: npm run consume -- <inbound name>");
  const config = loadConfig();
  if (config.database.driver === "pglite") {
    try {
      lockDataDir(config.database.dataDir).release();
    } catch (error) {
      if (error instanceof DatabaseOpenError)
        throw new CliError(
          "the server holds the embedded database and already runs every active inbound; stop it to consume from the shell, or use PostgreSQL (DATABASE_URL) for workers of their own.",
        );
      throw error;
    }
  }
  const log = createLogger({ ...config.log, info: process.stderr });
  const runtime = await openRuntime(config, { log });
  try {
    const inbound = await findInboundByName(runtime.deps, { name });
    if (!inbound) throw new CliError(`no inbound is named "${name}"; create one with POST /api/inbound.`);
    const opened = connectorFor(runtime.deps, inbound);
    if (!opened.ok) throw new CliError(`inbound "${name}": ${opened.error}`);
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      process.stderr.write(`${signal}: stopping after the batch in hand…\n`);
      stop.abort();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.stderr.write(`consuming inbound "${inbound.name}" (${inbound.kind} ${inbound.target})…\n`);
    const inboundLog = runtime.deps.log.child({ inboundId: inbound.id, inbound: inbound.name });
    await runInbound(
      { ...runtime.deps, log: inboundLog },
      {
        inbound,
        connector: opened.connector,
        signal: stop.signal,
        onBatch: (t) =>
          process.stderr.write(
            `${t.received} messages: ${t.recorded} recorded, ${t.duplicates} duplicate, ${t.rejected} rejected, ${t.retried} to retry\n`,
          ),
      },
    );
    return 0;
  } finally {
    await runtime.close();
  }
});
