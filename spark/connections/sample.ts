import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { variableTypeOfOid } from "../sources/variables";
import {
  asBoundedSubquery,
  BOUNDED_HEAD,
  ConnectionError,
  CURSOR_HEAD,
  queryTimedOut,
  isRowTooLarge,
  rowTooLarge,
  locatedError,
  type ReadBatch,
  type ReadLimits,
  type SourceConnection,
} from "./types";

/** The only role operators' SQL runs as in the sample database: it reads the demo tables and nothing else. */
export const SAMPLE_READER = "spark_reader";
export const SAMPLE_IMAGE_FILE = "sample-v1.tar.gz";

/**
 * Builds the sample database's image: `setup` (run as its owner) creates and fills the application's
 * tables, then the reader role gets SELECT on them. set_config is revoked because the embedded
 * database's session user is always its superuser: `SET ROLE` back to it must not be reachable from a query.
 */
export async function buildSampleImage(
  setup: (exec: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<void>,
): Promise<Uint8Array> {
  const { PGlite } = await import("@electric-sql/pglite");
  const pg = await PGlite.create();
  try {
    await setup((sql, params) => (params ? pg.query(sql, params) : pg.exec(sql)));
    await pg.exec(`
      create role ${SAMPLE_READER} login;
      revoke all on schema public from public;
      revoke execute on function pg_catalog.set_config(text, text, boolean) from public;
    `);
    const schemas = await pg.query<{ nspname: string }>(
      "select nspname from pg_namespace where nspname not in ('pg_catalog', 'information_schema', 'public', 'pg_toast') and nspname not like 'pg_temp%' and nspname not like 'pg_toast_temp%'",
    );
    for (const { nspname } of schemas.rows) {
      const schema = `"${nspname.replace(/"/g, '""')}"`;
      await pg.exec(
        `grant usage on schema ${schema} to ${SAMPLE_READER}; grant select on all tables in schema ${schema} to ${SAMPLE_READER};`,
      );
    }
    const file = await pg.dumpDataDir("gzip");
    return new Uint8Array(await file.arrayBuffer());
  } finally {
    await pg.close();
  }
}

/** The image in the data directory, built (and kept) on first use. */
export async function loadSampleImage(dataDir: string, build: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const dir = join(dataDir, "sample");
  const file = join(dir, SAMPLE_IMAGE_FILE);
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  const image = await build();
  mkdirSync(dir, { recursive: true });
  // Written whole, then renamed: a process stopped halfway leaves no half image behind.
  writeFileSync(`${file}.tmp`, image);
  renameSync(`${file}.tmp`, file);
  return image;
}

type Reply = { id: number; result?: unknown; error?: { message: string; code?: string; position?: string } };
type RawResult = { rows: Record<string, unknown>[]; fields: { name: string; oid: number }[] };

const WORKER_FILE = () => join(process.cwd(), "spark", "connections", "sample-worker.mjs");

/** One worker thread holding one in-memory copy of the sample database; terminated when a request overruns. */
class SampleWorker {
  private worker: Worker;
  private ready: Promise<void>;
  private nextId = 1;
  private pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  broken = false;

  constructor(image: Uint8Array) {
    // Constructed through Reflect so the production bundler does not try to bundle the worker file.
    this.worker = Reflect.construct(Worker, [
      WORKER_FILE(),
      { workerData: { image, reader: SAMPLE_READER } },
    ]) as Worker;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (message.ready) {
          this.worker.off("message", onMessage);
          resolve();
        }
      };
      this.worker.on("message", onMessage);
      this.worker.once("error", reject);
    });
    this.worker.on("message", (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error)
        waiter.reject(
          Object.assign(new Error(message.error.message), {
            code: message.error.code,
            position: message.error.position,
          }),
        );
      else waiter.resolve(message.result);
    });
    const fail = (error: Error) => {
      this.broken = true;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", () => fail(new ConnectionError("The sample database stopped; try again.")));
    // An idle worker must not keep a CLI or a test process alive; one with work in flight must.
    this.worker.unref();
  }

  async request<T>(message: Record<string, unknown>, timeoutMs: number): Promise<T> {
    this.worker.ref();
    try {
      return await this.send<T>(message, timeoutMs);
    } finally {
      if (this.pending.size === 0) this.worker.unref();
    }
  }

  private async send<T>(message: Record<string, unknown>, timeoutMs: number): Promise<T> {
    await this.ready;
    if (this.broken) throw new ConnectionError("The sample database stopped; try again.");
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.broken = true;
        void this.worker.terminate();
        reject(queryTimedOut(timeoutMs));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.worker.postMessage({ ...message, id });
    });
  }

  async terminate() {
    this.broken = true;
    await this.worker.terminate();
  }
}

function batchOf(raw: RawResult): ReadBatch {
  return { columns: raw.fields.map((f) => ({ name: f.name, type: variableTypeOfOid(f.oid) })), rows: raw.rows };
}

/** The operator's query and what Spark sent before it, so an error's position can be given in their text. */
type Wrapped = { query: string; head: string };

function describe(error: unknown, wrapped?: Wrapped): Error {
  if (error instanceof ConnectionError) return error;
  if (isRowTooLarge(error)) return rowTooLarge();
  const e = error as { code?: string; message?: string; position?: string };
  if (e.code === "25006") return new ConnectionError("A source only reads, and this query tried to write.");
  if (e.code === "42501") return new ConnectionError(`The sample database's reader may not do that: ${e.message}.`);
  if (/multiple commands/.test(e.message ?? ""))
    return new ConnectionError("Write a single statement: remove everything after the first ';'.");
  const message = (e.message ?? String(error)).split("\n")[0]!;
  if (wrapped) return locatedError(message, wrapped.query, wrapped.head, e.position);
  return new ConnectionError(`The query failed: ${message}`);
}

export type SamplePool = { connection(name: string, limits: ReadLimits): SourceConnection; close(): Promise<void> };

/**
 * The sample connection: each read borrows a worker (one idle one is kept warm, at most `size` run at
 * once) and a worker that overran is terminated and never reused.
 */
export function createSamplePool(image: Uint8Array, { size = 2 }: { size?: number } = {}): SamplePool {
  const idle: SampleWorker[] = [];
  let running = 0;
  const waiting: (() => void)[] = [];
  let closed = false;
  const all = new Set<SampleWorker>();

  async function acquire(waitMs: number): Promise<SampleWorker> {
    if (closed) throw new ConnectionError("The sample database is closed.");
    const deadline = Date.now() + waitMs;
    while (running >= size) {
      const left = deadline - Date.now();
      // Long reads hold every worker: say so rather than queue without end.
      if (left <= 0) throw new ConnectionError("The sample database is busy with other reads; try again in a moment.");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const at = waiting.indexOf(wake);
          if (at >= 0) waiting.splice(at, 1);
          resolve();
        }, left);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiting.push(wake);
      });
    }
    running++;
    const worker = idle.pop() ?? new SampleWorker(image);
    all.add(worker);
    return worker;
  }
  function release(worker: SampleWorker) {
    running--;
    if (worker.broken || closed || idle.length >= 1) {
      all.delete(worker);
      void worker.terminate();
    } else idle.push(worker);
    waiting.shift()?.();
  }
  async function withWorker<T>(
    waitMs: number,
    fn: (worker: SampleWorker) => Promise<T>,
    wrapped?: Wrapped,
  ): Promise<T> {
    const worker = await acquire(waitMs);
    try {
      return await fn(worker);
    } catch (error) {
      throw describe(error, wrapped);
    } finally {
      release(worker);
    }
  }

  return {
    connection(name, { timeoutMs }) {
      return {
        kind: "sample",
        name,
        head: (query, limit) =>
          withWorker(
            timeoutMs,
            async (w) =>
              batchOf(
                await w.request<RawResult>(
                  { op: "query", text: `${asBoundedSubquery(query)} limit ${Math.max(0, Math.floor(limit))}` },
                  timeoutMs,
                ),
              ),
            { query, head: BOUNDED_HEAD },
          ),
        query: (text, params) =>
          withWorker(timeoutMs, async (w) =>
            batchOf(await w.request<RawResult>({ op: "query", text, params }, timeoutMs)),
          ),
        async *stream(query, batchSize) {
          const worker = await acquire(timeoutMs);
          try {
            await worker.request({ op: "open", text: asBoundedSubquery(query) }, timeoutMs);
            for (;;) {
              const batch = batchOf(
                await worker.request<RawResult>({ op: "fetch", n: Math.max(1, Math.floor(batchSize)) }, timeoutMs),
              );
              if (batch.rows.length > 0) yield batch;
              if (batch.rows.length < batchSize) break;
            }
          } catch (error) {
            // The worker sends CURSOR_HEAD before the text (sample-worker.mjs's "open").
            throw describe(error, { query, head: CURSOR_HEAD + BOUNDED_HEAD });
          } finally {
            if (!worker.broken) await worker.request({ op: "close" }, timeoutMs).catch(() => {});
            release(worker);
          }
        },
        // The image grants its reader SELECT on the application's tables and nothing else.
        checkPrivileges: async () => [],
      };
    },
    async close() {
      closed = true;
      await Promise.all([...all].map((w) => w.terminate()));
      all.clear();
      idle.length = 0;
    },
  };
}
