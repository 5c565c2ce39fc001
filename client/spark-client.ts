/**
 * A client for Spark's machine API: record events, append to aggregate streams with optimistic
 * versions, and read events back in commit order. One file that uses nothing but `fetch`, so an
 * application can copy it as it is (Node 18+, Deno, Bun, browsers).
 *
 *   const spark = createSparkClient({ url: "https://spark.example.com", key: process.env.SPARK_KEY! });
 *   await spark.record({ group: "signup", key: `signup:${user.id}`, context: { email: user.email } });
 *   for await (const page of spark.follow({ group: "order.*", after: saved })) { …; saved = page.next; }
 *
 * Its types mirror the server's zod schemas (spark/producers/*.ts); a type test fails when they drift.
 */

export type SparkScope = "ingest" | "read" | "mail" | "admin";

export type SparkEventInput = {
  /** Letters, digits and `_ . : -`, 1–100 characters. */
  group: string;
  /** Unique among every event ever recorded: sending it again answers `duplicate` and changes nothing. */
  key: string;
  /** A JSON object of at most 256 KiB, nested at most 32 deep. */
  context?: Record<string, unknown>;
  aggregate?: SparkAggregateInput;
};

export type SparkAggregateInput = {
  type: string;
  id: string;
  /** The stream's version before this event: 0 for a new stream. */
  expectedVersion?: number;
};

export type SparkStreamPosition = { type: string; id: string; version: number };

export type SparkIngestResult =
  | { key: string; status: "recorded"; id: number; aggregate?: SparkStreamPosition }
  | { key: string; status: "duplicate" }
  | { key: string; status: "conflict"; message: string; currentVersion: number }
  | { key: string | null; status: "invalid"; message: string }
  | { key: string; status: "failed"; message: string };

export type SparkIngestResponse = {
  results: SparkIngestResult[];
  recorded: number;
  duplicate: number;
  conflict: number;
  invalid: number;
  failed: number;
};

export type SparkEvent = {
  id: number;
  key: string;
  group: string;
  context: Record<string, unknown>;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** "api:<key id>", "outbox:<id>", "code:<source>", "sql:<id>", or null. */
  origin: string | null;
  aggregate?: SparkStreamPosition;
};

export type SparkEventPage = {
  events: SparkEvent[];
  /** Pass back as `after`, as it is; it may move on a page with no events. */
  next: string;
};

export type SparkStreamPage = {
  type: string;
  id: string;
  /** The stream's current version: 0 when it has no events. */
  version: number;
  events: SparkEvent[];
  /** Pass as `afterVersion` for the next page; null at the end. */
  nextAfterVersion: number | null;
};

export type SparkErrorBody = { error: string; requiredScope?: SparkScope };

/** The server refused the request as a whole (4xx/5xx): `message` is its own sentence saying what to fix. */
export class SparkApiError extends Error {
  override name = "SparkApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly requiredScope?: SparkScope,
  ) {
    super(message);
  }
}

/** An append found the aggregate at another version: read its stream, decide again, append with `currentVersion`. */
export class SparkConflictError extends Error {
  override name = "SparkConflictError";
  constructor(
    readonly aggregate: { type: string; id: string },
    readonly currentVersion: number,
    readonly results: SparkIngestResult[],
  ) {
    super(
      results.find((r) => r.status === "conflict")?.message ??
        `Aggregate ${aggregate.type}/${aggregate.id} is at version ${currentVersion}.`,
    );
  }
}

export type SparkClientOptions = {
  /** Where Spark answers, e.g. https://spark.example.com (a path prefix is kept). */
  url: string;
  /** An API key, `spk_…`, with the scopes the calls need: `ingest` to record (and `mail` for events that carry their own `spark_mail`), `read` to read. */
  key: string;
  fetch?: typeof fetch;
};

/** What the server takes per request: more is sent in several requests by `record`. */
export const SPARK_LIMITS = { eventsPerRequest: 1000, bytesPerRequest: 1024 * 1024 } as const;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });

const isAbort = (error: unknown) => error instanceof Error && error.name === "AbortError";

/**
 * Splits events into requests the server accepts: at most 1,000 each and 1 MiB of JSON. An event too
 * large on its own still goes alone, so the server's 413 says what is wrong with it.
 */
function batchesOf(events: SparkEventInput[]): SparkEventInput[][] {
  const encoder = new TextEncoder();
  const envelope = encoder.encode('{"events":[]}').length;
  const batches: SparkEventInput[][] = [];
  let batch: SparkEventInput[] = [];
  let bytes = envelope;
  for (const event of events) {
    const size = encoder.encode(JSON.stringify(event)).length + 1;
    if (
      batch.length > 0 &&
      (batch.length >= SPARK_LIMITS.eventsPerRequest || bytes + size > SPARK_LIMITS.bytesPerRequest)
    ) {
      batches.push(batch);
      batch = [];
      bytes = envelope;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export function createSparkClient({ url, key, fetch: fetchImpl = globalThis.fetch }: SparkClientOptions) {
  const base = url.replace(/\/+$/, "");
  const authorization = `Bearer ${key}`;

  async function send(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal }) {
    const request = () =>
      fetchImpl(`${base}${path}`, {
        method: init.method ?? "GET",
        headers: {
          authorization,
          accept: "application/json",
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    try {
      return await request();
    } catch (error) {
      // A kept-alive connection the server closed just as it was reused fails before any answer. Every
      // call is safe to repeat (a recorded key answers `duplicate`), so one more try on a fresh one.
      if (init.signal?.aborted || isAbort(error)) throw error;
      return request();
    }
  }

  async function call<T>(
    path: string,
    init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    const response = await send(path, init);
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // A proxy in front of Spark may answer in HTML; its status still says what happened.
    }
    if (!response.ok) {
      const error = body as Partial<SparkErrorBody> | null;
      throw new SparkApiError(
        response.status,
        typeof error?.error === "string"
          ? error.error
          : `Spark answered HTTP ${response.status} ${response.statusText}: ${text.slice(0, 200)}`.trim(),
        error?.requiredScope,
      );
    }
    if (body === null) throw new SparkApiError(response.status, `Spark answered HTTP ${response.status} without JSON.`);
    return body as T;
  }

  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
    const text = search.toString();
    return text ? `?${text}` : "";
  };

  async function read(
    options: { after?: string; group?: string; limit?: number; signal?: AbortSignal } = {},
  ): Promise<SparkEventPage> {
    const { after, group, limit, signal } = options;
    return call<SparkEventPage>(`/api/events${query({ after, group, limit })}`, { signal });
  }

  return {
    /**
     * Records one event or many, one result per event in the order given. More than one request's worth
     * is sent in several requests, one after another; a request that fails throws, and sending the same
     * events again is always safe (a recorded key answers `duplicate`).
     */
    async record(eventOrEvents: SparkEventInput | SparkEventInput[]): Promise<SparkIngestResult[]> {
      if (!Array.isArray(eventOrEvents))
        return (await call<SparkIngestResponse>("/api/events", { method: "POST", body: eventOrEvents })).results;
      const results: SparkIngestResult[] = [];
      for (const batch of batchesOf(eventOrEvents))
        results.push(
          ...(await call<SparkIngestResponse>("/api/events", { method: "POST", body: { events: batch } })).results,
        );
      return results;
    },

    /**
     * Appends events to one aggregate's stream, in order, all or none, in one request. With
     * `expectedVersion` (the stream's version the caller decided on; 0 for a new stream), a stream that
     * moved on throws SparkConflictError with its current version and nothing is appended.
     */
    async append(
      aggregate: { type: string; id: string },
      events: Omit<SparkEventInput, "aggregate">[],
      options: { expectedVersion?: number } = {},
    ): Promise<SparkIngestResult[]> {
      const { expectedVersion } = options;
      const items: SparkEventInput[] = events.map((event, i) => ({
        ...event,
        aggregate: {
          type: aggregate.type,
          id: aggregate.id,
          ...(expectedVersion === undefined ? {} : { expectedVersion: expectedVersion + i }),
        },
      }));
      const { results } = await call<SparkIngestResponse>("/api/events", { method: "POST", body: { events: items } });
      const conflict = results.find((r) => r.status === "conflict");
      if (conflict) throw new SparkConflictError(aggregate, conflict.currentVersion, results);
      return results;
    },

    /** One page of events in commit order after `after` (from the start without it). */
    read,

    /**
     * Follows the event log: yields each page that has events, then waits `pollMs` (1 s) whenever it has
     * caught up. Save a page's `next` once its events are handled and pass it as `after` to resume there.
     * Ends when `signal` aborts.
     */
    async *follow(
      options: { group?: string; after?: string; limit?: number; signal?: AbortSignal; pollMs?: number } = {},
    ): AsyncGenerator<SparkEventPage, void, undefined> {
      const { group, limit, signal, pollMs = 1000 } = options;
      let after = options.after;
      while (!signal?.aborted) {
        let page: SparkEventPage;
        try {
          page = await read({ after, group, limit, signal });
        } catch (error) {
          if (signal?.aborted && isAbort(error)) return;
          throw error;
        }
        const moved = page.next !== after;
        after = page.next;
        if (page.events.length > 0) yield page;
        // Only a page that brought nothing and moved nothing means the reader has caught up.
        else if (!moved) await sleep(pollMs, signal);
      }
    },

    /** One aggregate's events in version order, with its current version. */
    async stream(
      type: string,
      id: string,
      options: { afterVersion?: number; limit?: number; signal?: AbortSignal } = {},
    ): Promise<SparkStreamPage> {
      const { afterVersion, limit, signal } = options;
      return call<SparkStreamPage>(
        `/api/streams/${encodeURIComponent(type)}/${encodeURIComponent(id)}${query({ afterVersion, limit })}`,
        { signal },
      );
    },
  };
}

export type SparkClient = ReturnType<typeof createSparkClient>;
