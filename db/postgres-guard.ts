/**
 * postgres.js 3.4.9 can write to a socket that a terminated connection already dropped, from a
 * setImmediate callback no await can catch (porsager/postgres#1154, #1208): the process would die on
 * a database failover or a killed backend. The query concerned has already failed with
 * CONNECTION_CLOSED and the pool reconnects, so that one error is reported and dropped; any other
 * uncaught error still ends the process as Node would.
 */
let installed = false;

export function isPostgresNullSocketError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /reading 'write'|evaluating 'socket\.write'/.test(error.message) &&
    /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? "")
  );
}

export function guardPostgresNullSocket(): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (error) => {
    if (isPostgresNullSocketError(error)) {
      process.stderr.write(
        "spark: a database connection closed while a query was being written to it; that query failed and the pool reconnects\n",
      );
      return;
    }
    // With this listener present Node no longer crashes on its own; unless someone else handles it, do.
    if (process.listenerCount("uncaughtException") > 1) return;
    // The stack starts with the message, which can quote a failed query; its parameters never print.
    process.stderr.write(
      `${(error instanceof Error ? (error.stack ?? error.message) : String(error)).replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/, "")}\n`,
    );
    process.exit(1);
  });
}
