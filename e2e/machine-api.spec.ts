import { execFile } from "node:child_process";
import { connect } from "node:net";
import type { APIRequestContext } from "@playwright/test";
import {
  createSparkClient,
  SparkApiError,
  SparkConflictError,
  type SparkClient,
  type SparkEvent,
  type SparkIngestResult,
} from "../client/spark-client";
import { schemaErrors } from "../testing/json-schema";
import { expect, test } from "./fixtures";
import { readServer } from "./server";

/** A suffix that keeps this file's keys, groups and aggregates apart from every other run and test. */
const run = Date.now().toString(36);

/** Creates a key the way an operator does from the shell; the server holds the data dir, so the CLI asks it. */
function createKey(name: string, scopes: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, SPARK_DATA_DIR: readServer().dataDir };
  delete env.DATABASE_URL;
  delete env.PORT;
  return new Promise((resolve, reject) =>
    execFile(
      "npm",
      ["run", "--silent", "api-key", "--", "create", name, "--scopes", scopes],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`npm run api-key failed: ${stderr || error.message}`));
        const key = stdout.trim().split("\n").at(-1) ?? "";
        if (!/^spk_\S+$/.test(key)) return reject(new Error(`npm run api-key printed no key:\n${stdout}\n${stderr}`));
        resolve(key);
      },
    ),
  );
}

type Raw = { status: number; headers: Record<string, string>; body: string };

/** A chunked body's data without its framing (latin1 in and out, so byte counts hold). */
function unchunk(body: string): string {
  let out = "";
  let rest = body;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/**
 * One HTTP/1.1 exchange written byte by byte, for what a well-behaved client library will not send:
 * raw paths, duplicate or odd headers, lying lengths.
 */
function rawHttp(request: string): Promise<Raw> {
  const { hostname, port } = new URL(readServer().baseURL);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    /** The answer once all of it has arrived (by its length, or its last chunk), else null. */
    const parsed = (): Raw | null => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      if (split < 0) return null;
      const [statusLine = "", ...lines] = text.slice(0, split).split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      const raw = text.slice(split + 4);
      const chunked = headers["transfer-encoding"] === "chunked";
      if (chunked ? !raw.endsWith("0\r\n\r\n") : raw.length < Number(headers["content-length"] ?? 0)) return null;
      const body = Buffer.from(chunked ? unchunk(raw) : raw, "latin1").toString("utf8");
      return { status: Number(statusLine.split(" ")[1]), headers, body };
    };
    const finish = () => {
      const answer = parsed();
      socket.destroy();
      if (answer) resolve(answer);
      else reject(new Error(`no complete HTTP answer: ${Buffer.concat(chunks).toString("utf8").slice(0, 200)}`));
    };
    // Written without closing our side: a client that half-closes before the answer reads as one that
    // left, to Node's server (a route waiting on the database would never answer it). `Connection:
    // close` ends the exchange instead.
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      if (parsed()) finish();
    });
    // A server that answers early (413) may close while the rest of the body is still being written.
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

let readWrite: string;
let readOnly: string;
let spark: SparkClient;
let baseURL: string;

test.beforeAll(async () => {
  baseURL = readServer().baseURL;
  [readWrite, readOnly] = await Promise.all([
    createKey(`e2e-${run}-rw`, "ingest,read"),
    createKey(`e2e-${run}-ro`, "read"),
  ]);
  spark = createSparkClient({ url: baseURL, key: readWrite });
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (request: APIRequestContext, data: unknown, headers: Record<string, string> = auth(readWrite)) =>
  request.post("/api/events", {
    headers: { "content-type": "application/json", ...headers },
    // A Buffer goes as it is; Playwright would quote a string that is not valid JSON.
    data: Buffer.from(typeof data === "string" ? data : JSON.stringify(data)),
    failOnStatusCode: false,
  });
const statuses = (results: SparkIngestResult[]) => results.map((r) => r.status);

/** Every event of `group` from the start, following `next` until it stops moving on an empty page. */
async function readAll(group: string, limit: number): Promise<SparkEvent[]> {
  const seen: SparkEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await spark.read({ group, limit, after });
    seen.push(...page.events);
    if (page.events.length === 0 && page.next === after) return seen;
    after = page.next;
  }
}

test.describe("the machine API, through the client", () => {
  test("records one event, and answers duplicate when it is sent again", async () => {
    const event = { group: `e2e.one.${run}`, key: `one:${run}`, context: { email: "ada@example.com" } };
    const [first] = await spark.record(event);
    expect(first).toMatchObject({ key: event.key, status: "recorded", id: expect.any(Number) });
    expect(await spark.record(event)).toEqual([{ key: event.key, status: "duplicate" }]);
  });

  test("records a batch with a result per item, in order, recording only the good ones", async () => {
    const group = `e2e.batch.${run}`;
    await spark.record({ group, key: `batch:${run}:old` });
    const results = await spark.record([
      { group, key: `batch:${run}:1`, context: { n: 1 } },
      { group: "has spaces", key: `batch:${run}:bad` },
      { group, key: `batch:${run}:1` },
      { group, key: `batch:${run}:old` },
      { group, key: `batch:${run}:2`, context: { n: 2 } },
      { group, key: `batch:${run}:deep`, context: JSON.parse(`${'{"a":'.repeat(40)}1${"}".repeat(40)}`) },
    ]);
    expect(statuses(results)).toEqual(["recorded", "invalid", "duplicate", "duplicate", "recorded", "invalid"]);
    expect(results[1]).toMatchObject({ message: expect.stringContaining("group must be") });
    expect(results[5]).toMatchObject({ message: expect.stringContaining("deeper than 32") });
    expect((await readAll(group, 1000)).map((e) => e.key)).toEqual([
      `batch:${run}:old`,
      `batch:${run}:1`,
      `batch:${run}:2`,
    ]);
  });

  test("appends with expectedVersion, refuses a stale one with the current version, and reads the stream", async () => {
    const cart = { type: "cart", id: `${run}/7 ü` };
    const appended = await spark.append(
      cart,
      [
        { group: "cart.opened", key: `cart:${run}:1` },
        { group: "cart.item_added", key: `cart:${run}:2`, context: { sku: "TEA-1" } },
      ],
      { expectedVersion: 0 },
    );
    expect(appended.map((r) => r.status === "recorded" && r.aggregate?.version)).toEqual([1, 2]);

    const stale = await spark
      .append(cart, [{ group: "cart.item_added", key: `cart:${run}:3` }], { expectedVersion: 1 })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(SparkConflictError);
    expect(stale).toMatchObject({ currentVersion: 2, message: expect.stringContaining("expectedVersion 2") });

    await spark.append(cart, [{ group: "cart.checked_out", key: `cart:${run}:3` }], { expectedVersion: 2 });
    const stream = await spark.stream(cart.type, cart.id);
    expect(stream).toMatchObject({ type: "cart", id: cart.id, version: 3, nextAfterVersion: null });
    expect(stream.events.map((e) => [e.aggregate?.version, e.key])).toEqual([
      [1, `cart:${run}:1`],
      [2, `cart:${run}:2`],
      [3, `cart:${run}:3`],
    ]);
    const page = await spark.stream(cart.type, cart.id, { afterVersion: 1, limit: 1 });
    expect(page.events.map((e) => e.aggregate?.version)).toEqual([2]);
    expect(page.nextAfterVersion).toBe(2);
    expect((await spark.stream("cart", `${run}-never`)).version).toBe(0);
  });

  test("reads back in commit order following next, and follow() picks up what is recorded later", async () => {
    const group = `e2e.order.${run}`;
    const keys = Array.from({ length: 7 }, (_, i) => `order:${run}:${i}`);
    for (const key of keys.slice(0, 5)) await spark.record({ group, key });
    await spark.record({ group: `e2e.ordinal.${run}`, key: `other:${run}` });
    expect((await readAll(group, 2)).map((e) => e.key)).toEqual(keys.slice(0, 5));
    expect((await readAll(`e2e.ord*.${run}`, 3)).map((e) => e.key)).toEqual([...keys.slice(0, 5), `other:${run}`]);

    const controller = new AbortController();
    const followed: string[] = [];
    const following = (async () => {
      for await (const page of spark.follow({ group, signal: controller.signal, pollMs: 100, limit: 2 })) {
        followed.push(...page.events.map((e) => e.key));
        if (followed.length === keys.length) controller.abort();
      }
    })();
    await expect.poll(() => followed.length).toBe(5);
    await spark.record(keys.slice(5).map((key) => ({ group, key })));
    await following;
    expect(followed).toEqual(keys);
  });

  test("throws SparkApiError with the server's sentence for a key without the scope", async () => {
    const reader = createSparkClient({ url: baseURL, key: readOnly });
    const error = await reader.record({ group: "g", key: `ro:${run}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SparkApiError);
    expect(error).toMatchObject({ status: 403, requiredScope: "ingest", message: expect.stringContaining('"ingest"') });
    expect((await reader.read({ limit: 1 })).events).toHaveLength(1);
  });
});

test.describe("the machine API, raw", () => {
  test("the README's curl examples do what they say", async ({ request }) => {
    // curl -H "Authorization: Bearer $SPARK_KEY" -H "content-type: application/json" \
    //   -d '{"group":"signup","key":"signup:42","context":{"email":"ada@example.com"}}' $SPARK_URL/api/events
    const body = `{"group":"signup","key":"signup:42:${run}","context":{"email":"ada@example.com"}}`;
    const curlHeaders = { ...auth(readWrite), "content-type": "application/json", accept: "*/*" };
    const recorded = await request.post("/api/events", { headers: curlHeaders, data: Buffer.from(body) });
    expect(recorded.status()).toBe(200);
    expect(await recorded.json()).toMatchObject({
      results: [{ key: `signup:42:${run}`, status: "recorded" }],
      recorded: 1,
      duplicate: 0,
    });
    const again = await request.post("/api/events", { headers: curlHeaders, data: Buffer.from(body) });
    expect((await again.json()).results).toEqual([{ key: `signup:42:${run}`, status: "duplicate" }]);

    // curl -H "Authorization: Bearer $SPARK_KEY" -H "content-type: application/json" \
    //   -d '{"group":"cart.item_added","key":"cart:7:1","aggregate":{"type":"cart","id":"7","expectedVersion":0}}' $SPARK_URL/api/events
    const append = (key: string) =>
      request.post("/api/events", {
        headers: curlHeaders,
        data: Buffer.from(
          `{"group":"cart.item_added","key":"${key}","aggregate":{"type":"cart","id":"7-${run}","expectedVersion":0}}`,
        ),
      });
    expect((await (await append(`cart:7:1:${run}`)).json()).results).toMatchObject([
      { status: "recorded", aggregate: { type: "cart", version: 1 } },
    ]);
    expect((await (await append(`cart:7:2:${run}`)).json()).results).toMatchObject([
      { status: "conflict", currentVersion: 1 },
    ]);

    // curl -H "Authorization: Bearer $SPARK_KEY" "$SPARK_URL/api/events?group=signup&limit=100"
    const read = await request.get(`/api/events?group=signup&limit=100`, {
      headers: { ...auth(readWrite), accept: "*/*" },
    });
    expect(read.status()).toBe(200);
    const page = await read.json();
    expect(page.events.map((e: SparkEvent) => e.key)).toContain(`signup:42:${run}`);
    expect(typeof page.next).toBe("string");

    // curl -H "Authorization: Bearer $SPARK_KEY" "$SPARK_URL/api/events?group=signup&after=$NEXT"
    const onward = await request.get(`/api/events?group=signup&after=${page.next}`, { headers: auth(readWrite) });
    expect((await onward.json()).events).toEqual([]);

    // curl -H "Authorization: Bearer $SPARK_KEY" $SPARK_URL/api/streams/cart/7
    const stream = await request.get(`/api/streams/cart/7-${run}`, { headers: auth(readWrite) });
    expect(await stream.json()).toMatchObject({ type: "cart", id: `7-${run}`, version: 1 });
  });

  test("refuses a missing, unknown, malformed or revoked-looking key with 401 and says what to send", async ({
    request,
  }) => {
    for (const headers of [
      {},
      auth("spk_not-a-key"),
      { authorization: `Token ${readWrite}` },
      { authorization: `Bearer ${readWrite} extra` },
      { authorization: "Bearer " },
    ]) {
      const response = await post(request, { group: "g", key: `unauth:${run}` }, headers);
      expect(response.status(), JSON.stringify(headers)).toBe(401);
      expect(response.headers()["www-authenticate"]).toBe('Bearer realm="spark"');
      expect((await response.json()).error).toEqual(expect.any(String));
    }
    const missing = await request.get("/api/events", { failOnStatusCode: false });
    expect(missing.status()).toBe(401);
    expect(await missing.json()).toMatchObject({ requiredScope: "read", error: expect.stringContaining("Bearer") });
    const stream = await request.get("/api/streams/cart/7", { failOnStatusCode: false, headers: auth("spk_x") });
    expect(stream.status()).toBe(401);
  });

  test("refuses a read-only key posting with 403 naming the scope, and records nothing", async ({ request }) => {
    const response = await post(request, { group: `e2e.ro.${run}`, key: `ro:${run}:raw` }, auth(readOnly));
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ requiredScope: "ingest", error: expect.stringContaining("ingest") });
    expect(await readAll(`e2e.ro.${run}`, 10)).toEqual([]);
  });

  test("refuses whole requests with 413, 415 and 400, each saying what to fix", async ({ request }) => {
    const big = { group: "g", key: `big:${run}`, context: { s: "x".repeat(1024 * 1024) } };
    const tooLarge = await post(request, big);
    expect(tooLarge.status()).toBe(413);
    expect((await tooLarge.json()).error).toContain("larger than 1048576 bytes");

    const text = await post(request, JSON.stringify({ group: "g", key: `text:${run}` }), {
      ...auth(readWrite),
      "content-type": "text/plain",
    });
    expect(text.status()).toBe(415);
    expect((await text.json()).error).toContain("application/json");
    const form = await post(request, "group=g&key=k", {
      ...auth(readWrite),
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status()).toBe(415);

    for (const [body, says] of [
      ['{"group":"g",', "not JSON"],
      ["", "not JSON"],
      ["[]", "Send one event"],
      ['"event"', "Send one event"],
      ["null", "Send one event"],
      ['{"events":[]}', "empty"],
      ['{"events":{}}', "array"],
      ['{"events":[{"group":"g","key":"k"}],"dryRun":true}', "dryRun"],
      [
        JSON.stringify({ events: Array.from({ length: 1001 }, (_, i) => ({ group: "g", key: `k${i}` })) }),
        "at most 1000",
      ],
    ]) {
      const response = await post(request, body!);
      expect(response.status(), body!.slice(0, 40)).toBe(400);
      expect((await response.json()).error, body!.slice(0, 40)).toContain(says);
    }

    const read = (query: string) =>
      request.get(`/api/events?${query}`, { headers: auth(readWrite), failOnStatusCode: false });
    for (const query of [
      "after=not-a-cursor",
      `after=${Buffer.from("v1.1.1x").toString("base64url")}`,
      `after=${Buffer.from("v1.-1.1").toString("base64url")}`,
      `after=${Buffer.from("v1.99999999999999999999.1").toString("base64url")}`,
      `after=${Buffer.from("v2.1.1").toString("base64url")}`,
      `after=${"A".repeat(5000)}`,
      "limit=1000000",
      "limit=0",
      "limit=-5",
      "limit=2.5",
      "limit=abc",
      "limit=Infinity",
      "group=a%20b",
      "group=%25",
      `group=${"a".repeat(101)}`,
    ]) {
      const response = await read(query);
      expect(response.status(), query).toBe(400);
      expect((await response.json()).error, query).toEqual(expect.any(String));
    }
    const streamBad = (path: string) => request.get(path, { headers: auth(readWrite), failOnStatusCode: false });
    for (const path of [
      "/api/streams/cart/7?afterVersion=-1",
      "/api/streams/cart/7?limit=5000",
      "/api/streams/has%20space/7",
      "/api/streams/..%2F..%2Fevents/7",
      `/api/streams/cart/${"x".repeat(201)}`,
      "/api/streams/cart/%0Anewline",
    ])
      expect((await streamBad(path)).status(), path).toBe(400);
  });

  test("the OpenAPI document is public, describes what the server answers, and each of its paths answers", async ({
    request,
  }) => {
    const response = await request.get("/api/openapi.json");
    expect(response.status()).toBe(200);
    const doc = await response.json();
    expect(doc).toMatchObject({ openapi: "3.1.0", servers: [{ url: expect.stringMatching(/^http/) }] });
    type Op = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
    const schemaOf = (path: string, method: string) =>
      (doc.paths[path][method] as Op).responses["200"]!.content!["application/json"]!.schema as Record<string, unknown>;

    const example = doc.paths["/api/events"].post.requestBody.content["application/json"].examples;
    for (const [name, { value }] of Object.entries(example as Record<string, { value: unknown }>)) {
      const posted = await post(request, JSON.stringify(value).replaceAll('"7"', `"7-oa-${run}"`));
      expect(posted.status(), name).toBe(200);
      expect(schemaErrors(schemaOf("/api/events", "post"), await posted.json(), doc), name).toEqual([]);
    }
    const paths = Object.keys(doc.paths);
    expect(paths.sort()).toEqual([
      "/api/destinations",
      "/api/destinations/{id}",
      "/api/destinations/{id}/{action}",
      "/api/events",
      "/api/openapi.json",
      "/api/streams/{type}/{id}",
    ]);
    for (const path of paths) {
      const url = path
        .replace("{type}", "cart")
        .replace("{id}", path.startsWith("/api/destinations") ? "00000000-0000-4000-8000-000000000000" : `7-oa-${run}`)
        .replace("{action}", "pause");
      for (const method of Object.keys(doc.paths[path])) {
        // The admin routes answer, and ask for the scope the document names.
        if (doc.paths[path][method]["x-required-scope"] === "admin") {
          const answer = await request.fetch(url, { method, headers: auth(readWrite), failOnStatusCode: false });
          expect(answer.status(), `${method} ${url}`).toBe(403);
          expect(await answer.json(), url).toMatchObject({ requiredScope: "admin" });
          continue;
        }
        if (method !== "get") continue;
        const answer = await request.get(url, { headers: auth(readWrite) });
        expect(answer.status(), `${method} ${url}`).toBe(200);
        if (path !== "/api/openapi.json")
          expect(schemaErrors(schemaOf(path, method), await answer.json(), doc), url).toEqual([]);
      }
    }
    const refused = await post(request, "{", auth(readOnly));
    expect(schemaErrors({ $ref: "#/components/schemas/Error" }, await refused.json(), doc)).toEqual([]);
  });
});

test.describe("the machine API against a hostile client", () => {
  test("survives odd bodies: deep nesting, prototype keys, lone surrogates, NUL, huge numbers", async ({ request }) => {
    const group = `e2e.odd.${run}`;
    // A megabyte of nesting: parsed without recursion and refused as a body, never a crash.
    expect((await post(request, "[".repeat(400_000) + "]".repeat(400_000))).status()).toBe(400);
    expect((await post(request, "[".repeat(600_000) + "]".repeat(600_000))).status()).toBe(413);
    const deep = await post(
      request,
      `{"group":"${group}","key":"deep:${run}","context":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`,
    );
    expect(deep.status()).toBe(200);
    expect((await deep.json()).results).toMatchObject([
      { status: "invalid", message: expect.stringContaining("deeper than 32") },
    ]);

    const odd = await post(
      request,
      `{"events":[` +
        `{"group":"${group}","key":"proto:${run}","context":{"__proto__":{"polluted":true},"constructor":{"prototype":1}}},` +
        `{"__proto__":{"group":"${group}"},"key":"proto2:${run}"},` +
        `{"group":"${group}","key":"lone:\\ud800:${run}"},` +
        `{"group":"${group}","key":"nul:${run}","context":{"s":"a\\u0000b"}},` +
        `{"group":"${group}","key":"big:${run}","context":{"n":1e400}},` +
        `{"group":"${group}","key":"num:${run}","context":{"n":123456789012345678901234567890}},` +
        `{"group":"${group}","key":"dup:${run}","key":"dup2:${run}"},` +
        `{"group":"${group}","key":"ws:${run} ","context":{"emoji":"🎉"}}` +
        `]}`,
    );
    expect(odd.status()).toBe(200);
    const results = (await odd.json()).results as SparkIngestResult[];
    expect(statuses(results)).toEqual([
      "recorded",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "recorded",
      "recorded",
      "recorded",
    ]);
    const stored = await readAll(group, 100);
    expect(stored.map((e) => e.key)).toEqual([`proto:${run}`, `num:${run}`, `dup2:${run}`, `ws:${run} `]);
    // zod's record parsing drops a "__proto__" key rather than let it reach any object's prototype.
    expect(stored[0]!.context).toEqual({ constructor: { prototype: 1 } });
    expect(Object.keys(stored[0]!.context)).toEqual(["constructor"]);
    expect(stored[3]!.context).toEqual({ emoji: "🎉" });
  });

  test("reads a stream only through the stream route: encoded slashes and dot segments reach nothing else", async () => {
    await spark.append({ type: "vault", id: `secret-${run}` }, [{ group: "vault.opened", key: `vault:${run}` }]);
    const { host } = new URL(baseURL);
    const get = (path: string) =>
      rawHttp(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${readWrite}\r\nConnection: close\r\n\r\n`,
      );
    const answers: Record<string, number> = {};
    for (const path of [
      `/api/streams/vault/secret-${run}/..`,
      `/api/streams/vault/%2e%2e/vault/secret-${run}`,
      `/api/streams/x/../../internal/api-keys`,
      `/api/streams/x/%2e%2e/%2e%2e/internal/api-keys`,
      `/api/streams/x/..%2F..%2Finternal%2Fapi-keys`,
      `/api/streams/vault/secret-${run}%00`,
      `/api/streams/%2e%2e/%2e%2e`,
      `/api/streams/vault/%2E%2E`,
    ]) {
      const answer = await get(path);
      answers[path] = answer.status;
      expect(answer.status, path).toBeLessThan(500);
      // Whatever the path folds to, a 200 is a stream page: never the internal API or another route.
      if (answer.status === 200) expect(Object.keys(JSON.parse(answer.body)), path).toContain("nextAfterVersion");
    }
    expect(answers["/api/streams/x/../../internal/api-keys"]).not.toBe(200);
    expect(answers["/api/streams/x/%2e%2e/%2e%2e/internal/api-keys"]).not.toBe(200);
    test.info().annotations.push({ type: "answers", description: JSON.stringify(answers) });
  });

  test("takes header tricks for what they are", async ({ request }) => {
    const body = JSON.stringify({ group: `e2e.hdr.${run}`, key: `hdr:${run}` });
    const send = (headers: string) =>
      rawHttp(
        `POST /api/events HTTP/1.1\r\nHost: ${new URL(baseURL).host}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    // Two Authorization headers: Node keeps the first, so a valid second one cannot smuggle a key in.
    expect(
      (
        await send(
          `Authorization: Bearer spk_bogus\r\nAuthorization: Bearer ${readWrite}\r\nContent-Type: application/json\r\n`,
        )
      ).status,
    ).toBe(401);
    // Two keys in one header are not a key.
    expect(
      (await send(`Authorization: Bearer ${readOnly}, Bearer ${readWrite}\r\nContent-Type: application/json\r\n`))
        .status,
    ).toBe(401);
    // Chunked, with no length to check first: refused once past the limit. (A declared Content-Length
    // over the limit is not answered until the body has arrived: Next's proxy buffers every body first.)
    const chunk = "x".repeat(64 * 1024);
    const chunks = Array.from({ length: 20 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join("");
    const chunked = await rawHttp(
      `POST /api/events HTTP/1.1\r\nHost: ${new URL(baseURL).host}\r\nAuthorization: Bearer ${readWrite}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}0\r\n\r\n`,
    );
    expect(chunked.status).toBe(413);
    // A charset that is not UTF-8 is read as UTF-8 all the same: UTF-16 bytes are not JSON.
    const utf16 = await request.post("/api/events", {
      headers: { ...auth(readWrite), "content-type": "application/json; charset=utf-16le" },
      data: Buffer.from(body, "utf16le"),
      failOnStatusCode: false,
    });
    expect(utf16.status()).toBe(400);
    // Header names are case-insensitive and the scheme too; this one is a plain success.
    const shouted = await send(`AUTHORIZATION: bearer ${readWrite}\r\nCONTENT-TYPE: APPLICATION/JSON\r\n`);
    expect(shouted.status).toBe(200);
    expect(JSON.parse(shouted.body).results[0]).toMatchObject({ status: "recorded" });
  });

  test("answers other clients while one trickles its body in", async () => {
    const { hostname, port } = new URL(baseURL);
    const slow = connect(Number(port), hostname);
    await new Promise<void>((resolve) => slow.once("connect", resolve));
    slow.write(
      `POST /api/events HTTP/1.1\r\nHost: ${new URL(baseURL).host}\r\nAuthorization: Bearer ${readWrite}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"group":`,
    );
    let slowAnswered = false;
    slow.on("data", () => (slowAnswered = true));
    try {
      // While that body waits for bytes that never come, recording and reading go on.
      const [result] = await spark.record({ group: `e2e.slow.${run}`, key: `slow:${run}` });
      expect(result).toMatchObject({ status: "recorded" });
      expect((await spark.read({ group: `e2e.slow.${run}` })).events).toHaveLength(1);
      expect(slowAnswered).toBe(false);
    } finally {
      slow.destroy();
    }
  });
});
