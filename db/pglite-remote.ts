import { join } from "node:path";
import { Worker } from "node:worker_threads";

/** The file the worker runs: plain JavaScript beside this one, read from the project at run time. */
const WORKER_FILE = () => join(process.cwd(), "db", "pglite-worker.mjs");

type Field = { name: string; dataTypeID: number };
export type RemoteResult<T = Record<string, unknown>> = { rows: T[]; fields: Field[]; affectedRows?: number };
type QueryOptions = { rowMode?: "array" | "object"; parsers?: Record<number, unknown> };
type Reply = { id: number; result?: unknown; error?: Record<string, unknown> & { message: string } };

/** The part of PGlite's interface that drizzle's PGlite driver and Spark call, inside a transaction. */
export type RemoteTransaction = {
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<RemoteResult<T>>;
  exec(text: string): Promise<RemoteResult[]>;
  rollback(): Promise<void>;
  closed: boolean;
};

/** A database error rebuilt on this side with the fields Postgres sent (code, position, constraint …). */
function rebuild(error: Reply["error"] & object): Error {
  const { message, ...fields } = error;
  return Object.assign(new Error(message), fields);
}

/**
 * PGlite in a worker thread, behind the methods drizzle's PGlite driver uses. Drizzle keeps dates as
 * text (it passes parsers that return them unchanged); functions cannot cross threads, so a query that
 * carries parsers asks the worker for the same. A transaction holds PGlite's session until it ends, as
 * it does in process: statements outside it wait.
 */
export class RemotePglite {
  closed = false;
  readonly waitReady: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<number, (payload: string) => void>();
  private nextId = 1;

  constructor(dataDir: string | null) {
    // Constructed through Reflect so the production bundler does not try to bundle the worker file.
    this.worker = Reflect.construct(Worker, [WORKER_FILE(), { workerData: { dataDir } }]) as Worker;
    this.waitReady = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; error?: Reply["error"] }) => {
        if (message.ready === undefined) return;
        this.worker.off("message", onMessage);
        if (this.pending.size === 0) this.worker.unref();
        if (message.ready) resolve();
        else reject(rebuild(message.error ?? { message: "the embedded database did not start" }));
      };
      this.worker.on("message", onMessage);
      this.worker.once("error", reject);
    });
    this.worker.on("message", (message: Reply & { notify?: number; payload?: string }) => {
      if (message.notify !== undefined) {
        this.listeners.get(message.notify)?.(message.payload ?? "");
        return;
      }
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) this.worker.unref();
      if (message.error) waiting.reject(rebuild(message.error));
      else waiting.resolve(message.result);
    });
    const fail = (error: Error) => {
      this.closed = true;
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", () => fail(new Error("The embedded database stopped.")));
    // An idle database must not keep a CLI or a test process alive; one starting or with work in flight
    // must (the worker is unreferenced once ready and whenever nothing waits on it).
  }

  private call<T>(message: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("The embedded database is closed."));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  query<T>(text: string, params?: unknown[], options?: QueryOptions, tx?: number): Promise<RemoteResult<T>> {
    return this.call({
      op: "query",
      text,
      params: params ?? [],
      rowMode: options?.rowMode ?? "object",
      textTimes: options?.parsers !== undefined,
      tx,
    });
  }

  exec(text: string, tx?: number): Promise<RemoteResult[]> {
    return this.call({ op: "exec", text, tx });
  }

  async transaction<T>(fn: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const id = await this.call<number>({ op: "begin" });
    const tx: RemoteTransaction = {
      closed: false,
      query: (text, params, options) => this.query(text, params, options, id),
      exec: (text) => this.exec(text, id),
      rollback: async () => {
        throw new Error("rollback");
      },
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      tx.closed = true;
      await this.call({ op: "rollback", tx: id }).catch(() => {});
      throw error;
    }
    tx.closed = true;
    await this.call({ op: "commit", tx: id });
    return result;
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = await this.call<number>({ op: "listen", channel });
    this.listeners.set(listener, onNotify);
    return async () => {
      this.listeners.delete(listener);
      if (!this.closed) await this.call({ op: "unlisten", listener });
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call({ op: "close" });
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }
}
