// The embedded sample database, in a worker thread of its own: an operator's query that runs too long
// is stopped by terminating this thread, which no query can prevent and which never blocks the server.
// Plain JavaScript so the worker starts the same under Next's server, the CLI and the tests.
import { Blob } from "node:buffer";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

// An in-memory copy of the image: a terminated worker leaves nothing behind to repair.
const db = await PGlite.create({ loadDataDir: new Blob([workerData.image]), username: workerData.reader });
let inTransaction = false;

const shape = (result) => ({
  rows: result.rows,
  fields: result.fields.map((f) => ({ name: f.name, oid: f.dataTypeID })),
});

async function end() {
  if (inTransaction) {
    inTransaction = false;
    await db.exec("rollback");
  }
  // Session-level advisory locks and the random seed outlive a rollback; nothing a query sets may.
  await db.query("select pg_advisory_unlock_all(), setseed($1)", [Math.random() * 2 - 1]);
}

async function begin() {
  await db.exec("begin read only");
  inTransaction = true;
}

async function handle({ op, text, params, n }) {
  switch (op) {
    case "query": {
      await begin();
      const result = shape(await db.query(text, params ?? []));
      await end();
      return result;
    }
    case "open":
      await begin();
      // The same head as CURSOR_HEAD in types.ts: error positions count it.
      await db.query(`declare spark_cursor no scroll cursor for ${text}`);
      return null;
    case "fetch":
      return shape(await db.query(`fetch forward ${Number(n)} from spark_cursor`));
    case "close":
      await end();
      return null;
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

parentPort.on("message", async (message) => {
  try {
    parentPort.postMessage({ id: message.id, result: await handle(message) });
  } catch (error) {
    await end().catch(() => {});
    parentPort.postMessage({
      id: message.id,
      error: {
        message: error?.message ?? String(error),
        code: error?.code,
        // Where the statement failed, which Spark turns into a line and column of the operator's text.
        position: error?.position,
      },
    });
  }
});
parentPort.postMessage({ ready: true });
