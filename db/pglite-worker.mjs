// The embedded database in a worker thread of its own. PGlite runs Postgres as WebAssembly on the thread
// that calls it: on the server's main thread every query would stop every request and every SMTP
// conversation for as long as it ran. Here it runs beside them, on another core.
// Plain JavaScript so the worker starts the same under Next's server, the CLI and the tests.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

// Drizzle maps dates and intervals from their text; it asks for them unparsed (see db/pglite-remote.ts).
const asText = (value) => value;
const TEXT_TIMES = {
  [types.TIMESTAMP]: asText,
  [types.TIMESTAMPTZ]: asText,
  [types.INTERVAL]: asText,
  [types.DATE]: asText,
};

/** What crosses back to the main thread of a database error: its message and every field Postgres sent. */
function errorOf(error) {
  const out = { message: error?.message ?? String(error), name: error?.name ?? "Error" };
  if (error && typeof error === "object")
    for (const [key, value] of Object.entries(error))
      if (typeof value === "string" || typeof value === "number") out[key] = value;
  return out;
}

let db;
try {
  // pg_trgm backs the logs' "contains" searches; the migrations create it, PGlite must load it.
  const options = { extensions: { pg_trgm } };
  db = workerData.dataDir ? new PGlite(workerData.dataDir, options) : new PGlite(options);
  await db.waitReady;
} catch (error) {
  // The main thread terminates this worker once it has read why.
  parentPort.postMessage({ ready: false, error: errorOf(error) });
}

/** Open transactions by id: the callback PGlite runs stays pending until the main thread ends it. */
const transactions = new Map();
let nextTransaction = 1;
const listeners = new Map();
let nextListener = 1;
const ROLLBACK = Symbol("rollback");

function target(tx) {
  if (tx === undefined || tx === null) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error("the transaction has already ended");
  return open.tx;
}

const shape = (result) => ({
  rows: result.rows,
  fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  affectedRows: result.affectedRows,
});

function begin() {
  return new Promise((started, failedToStart) => {
    const id = nextTransaction++;
    const entry = {};
    let running = false;
    entry.done = db.transaction(
      (tx) =>
        new Promise((commit, rollback) => {
          running = true;
          Object.assign(entry, { tx, commit, rollback });
          transactions.set(id, entry);
          started(id);
        }),
    );
    entry.done.then(
      () => transactions.delete(id),
      (error) => {
        transactions.delete(id);
        if (!running) failedToStart(error);
      },
    );
  });
}

async function end(tx, commit) {
  const entry = transactions.get(tx);
  if (!entry) throw new Error("the transaction has already ended");
  if (commit) {
    entry.commit();
    await entry.done;
    return null;
  }
  entry.rollback(ROLLBACK);
  try {
    await entry.done;
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return null;
}

async function handle(message) {
  switch (message.op) {
    case "query":
      return shape(
        await target(message.tx).query(message.text, message.params ?? [], {
          rowMode: message.rowMode ?? "object",
          ...(message.textTimes ? { parsers: TEXT_TIMES } : {}),
        }),
      );
    case "exec":
      return (await target(message.tx).exec(message.text)).map(shape);
    case "begin":
      return begin();
    case "commit":
      return end(message.tx, true);
    case "rollback":
      return end(message.tx, false);
    case "listen": {
      const id = nextListener++;
      const channel = message.channel;
      listeners.set(id, await db.listen(channel, (payload) => parentPort.postMessage({ notify: id, payload })));
      return id;
    }
    case "unlisten": {
      const stop = listeners.get(message.listener);
      listeners.delete(message.listener);
      if (stop && !db.closed) await stop();
      return null;
    }
    case "close":
      if (!db.closed) await db.close();
      return null;
    default:
      throw new Error(`unknown operation ${message.op}`);
  }
}

if (db?.ready)
  parentPort.on("message", async (message) => {
    try {
      parentPort.postMessage({ id: message.id, result: await handle(message) });
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: errorOf(error) });
    }
  });
if (db?.ready) parentPort.postMessage({ ready: true });
