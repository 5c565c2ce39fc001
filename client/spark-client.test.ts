import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createSparkClient,
  SparkApiError,
  SparkConflictError,
  type SparkEventInput,
  type SparkEventPage,
  type SparkIngestResult,
} from "./spark-client";

type Sent = { method: string; url: string; headers: Record<string, string>; body: unknown };

/** A fetch that records each request and answers with the next of `answers` (the last one repeats). */
function fakeFetch(answers: ((sent: Sent) => { status?: number; body: unknown })[]) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request: Sent = {
      method: init?.method ?? "GET",
      url: String(input),
      headers: Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>)),
      body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
    };
    sent.push(request);
    init?.signal?.throwIfAborted();
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!(request);
    const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status ?? 200 });
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const recordedAll = (sent: Sent) => {
  const items = (sent.body as { events?: SparkEventInput[] }).events ?? [sent.body as SparkEventInput];
  const results: SparkIngestResult[] = items.map((e, i) => ({ key: e.key, status: "recorded", id: i + 1 }));
  return { body: { results, recorded: results.length, duplicate: 0, conflict: 0, invalid: 0, failed: 0 } };
};

describe("the Spark client", () => {
  it("stays one file an application can copy: it imports nothing", () => {
    const source = readFileSync(new URL("./spark-client.ts", import.meta.url), "utf8");
    expect(source.match(/^\s*(import|export [^\n]* from)\b.*$/gm)).toBeNull();
    expect(source).not.toMatch(/\brequire\(|\bimport\(/);
  });

  it("posts one event as it is, with the key and JSON content type, to the configured address", async () => {
    const { fetch, sent } = fakeFetch([recordedAll]);
    const spark = createSparkClient({ url: "https://spark.example.com/prefix/", key: "spk_test", fetch });
    const results = await spark.record({ group: "signup", key: "signup:1", context: { a: 1 } });
    expect(results).toEqual([{ key: "signup:1", status: "recorded", id: 1 }]);
    expect(sent).toEqual([
      {
        method: "POST",
        url: "https://spark.example.com/prefix/api/events",
        headers: { authorization: "Bearer spk_test", accept: "application/json", "content-type": "application/json" },
        body: { group: "signup", key: "signup:1", context: { a: 1 } },
      },
    ]);
  });

  it("splits many events into requests of at most 1,000 events and 1 MiB, and keeps the results in order", async () => {
    const { fetch, sent } = fakeFetch([recordedAll]);
    const spark = createSparkClient({ url: "http://spark", key: "k", fetch });
    const many = Array.from({ length: 2500 }, (_, i) => ({ group: "g", key: `k${i}` }));
    const results = await spark.record(many);
    expect(sent.map((s) => (s.body as { events: unknown[] }).events.length)).toEqual([1000, 1000, 500]);
    expect(results.map((r) => r.key)).toEqual(many.map((e) => e.key));

    sent.length = 0;
    const big = Array.from({ length: 5 }, (_, i) => ({
      group: "g",
      key: `big${i}`,
      context: { s: "x".repeat(300_000) },
    }));
    await spark.record(big);
    for (const s of sent) expect(Buffer.byteLength(JSON.stringify(s.body))).toBeLessThanOrEqual(1024 * 1024);
    expect(sent.flatMap((s) => (s.body as { events: SparkEventInput[] }).events.map((e) => e.key))).toEqual(
      big.map((e) => e.key),
    );
  });

  it("appends to one aggregate in one request with consecutive expected versions", async () => {
    const { fetch, sent } = fakeFetch([recordedAll]);
    const spark = createSparkClient({ url: "http://spark", key: "k", fetch });
    await spark.append(
      { type: "cart", id: "7" },
      [
        { group: "a", key: "c7:1" },
        { group: "b", key: "c7:2" },
      ],
      {
        expectedVersion: 4,
      },
    );
    expect(sent[0]!.body).toEqual({
      events: [
        { group: "a", key: "c7:1", aggregate: { type: "cart", id: "7", expectedVersion: 4 } },
        { group: "b", key: "c7:2", aggregate: { type: "cart", id: "7", expectedVersion: 5 } },
      ],
    });
  });

  it("throws SparkConflictError with the current version when the stream moved on", async () => {
    const conflict = {
      body: {
        results: [
          { key: "c:1", status: "conflict", message: "Aggregate cart/7 is at version 6, not 4", currentVersion: 6 },
        ],
        recorded: 0,
        duplicate: 0,
        conflict: 1,
        invalid: 0,
        failed: 0,
      },
    };
    const { fetch } = fakeFetch([() => conflict]);
    const spark = createSparkClient({ url: "http://spark", key: "k", fetch });
    const error = await spark
      .append({ type: "cart", id: "7" }, [{ group: "a", key: "c:1" }], { expectedVersion: 4 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SparkConflictError);
    expect(error).toMatchObject({
      currentVersion: 6,
      aggregate: { type: "cart", id: "7" },
      message: expect.stringContaining("version 6"),
    });
  });

  it("throws SparkApiError with the server's status, sentence and required scope", async () => {
    const { fetch } = fakeFetch([
      () => ({ status: 403, body: { error: 'The API key "r" lacks the "ingest" scope', requiredScope: "ingest" } }),
      () => ({ status: 502, body: "<html>Bad gateway</html>" }),
    ]);
    const spark = createSparkClient({ url: "http://spark", key: "k", fetch });
    await expect(spark.record({ group: "g", key: "k" })).rejects.toMatchObject({
      name: "SparkApiError",
      status: 403,
      message: 'The API key "r" lacks the "ingest" scope',
      requiredScope: "ingest",
    });
    const proxy = await spark.read().catch((e: unknown) => e);
    expect(proxy).toBeInstanceOf(SparkApiError);
    expect(proxy).toMatchObject({ status: 502, message: expect.stringContaining("Bad gateway") });
  });

  it("tries once more when the connection fails before any answer, and no more", async () => {
    let calls = 0;
    const flaky = (async () => {
      calls++;
      if (calls === 1) throw new TypeError("fetch failed: other side closed");
      return new Response(JSON.stringify({ events: [], next: "c" }), { status: 200 });
    }) as typeof globalThis.fetch;
    expect(await createSparkClient({ url: "http://spark", key: "k", fetch: flaky }).read()).toEqual({
      events: [],
      next: "c",
    });
    expect(calls).toBe(2);

    calls = 0;
    const down = (async () => {
      calls++;
      throw new TypeError("fetch failed: connect ECONNREFUSED");
    }) as typeof globalThis.fetch;
    await expect(createSparkClient({ url: "http://spark", key: "k", fetch: down }).read()).rejects.toThrow(
      "ECONNREFUSED",
    );
    expect(calls).toBe(2);
  });

  it("reads with only the parameters given and reads a stream with its type and id escaped", async () => {
    const { fetch, sent } = fakeFetch([() => ({ body: { events: [], next: "c1" } })]);
    const spark = createSparkClient({ url: "http://spark", key: "k", fetch });
    await spark.read({ group: "order.*", limit: 10 });
    await spark.stream("order", "a/b c?", { afterVersion: 3 });
    expect(sent.map((s) => s.url)).toEqual([
      "http://spark/api/events?group=order.*&limit=10",
      "http://spark/api/streams/order/a%2Fb%20c%3F?afterVersion=3",
    ]);
  });

  it("follows next page after page, waits when caught up, and ends when its signal aborts", async () => {
    const event = (id: number) => ({ id, key: `k${id}`, group: "g", context: {}, createdAt: "", origin: null });
    const pages: SparkEventPage[] = [
      { events: [event(1), event(2)], next: "c2" },
      { events: [], next: "c3" },
      { events: [event(3)], next: "c4" },
      { events: [], next: "c4" },
    ];
    const { fetch, sent } = fakeFetch(pages.map((page) => () => ({ body: page })));
    const spark = createSparkClient({ url: "http://spark", key: "k", fetch });
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const page of spark.follow({ group: "g", signal: controller.signal, pollMs: 5 })) {
      seen.push(...page.events.map((e) => e.id));
      if (seen.length === 3) setTimeout(() => controller.abort(), 30);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(sent.slice(0, 4).map((s) => new URL(s.url).searchParams.get("after"))).toEqual([null, "c2", "c3", "c4"]);
    // Caught up at c4: it asked again after waiting, never with a cursor it was not given.
    expect(new Set(sent.slice(3).map((s) => new URL(s.url).searchParams.get("after")))).toEqual(new Set(["c4"]));
  });
});
