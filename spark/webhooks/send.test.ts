import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { checkWebhookUrl, type LookupFn } from "./address";
import { checkExtraHeaders } from "./headers";
import { newWebhookSecret } from "./secrets";
import { sendWebhook, WEBHOOK_RETRY_AFTER_MAX_MS } from "./send";
import { webhookBody, webhookIdOf } from "./sign";

type Received = { method: string; url: string; headers: Record<string, string>; body: string };
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A receiver on 127.0.0.1 that keeps every request it gets, answering with `handler`, and counts connections. */
async function receiver(handler: Handler = (_, res) => res.end("ok")) {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      requests.push({ method: req.method!, url: req.url!, headers, body: Buffer.concat(chunks).toString("utf8") });
      handler(req, res);
    });
  });
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { url: `http://127.0.0.1:${port}/hooks/in?tenant=a`, port, requests, connections: () => connections };
}

/** Verifies with the standardwebhooks package alone: what a receiver written from the specification does. */
function verify(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, request.headers);
}

const secret = newWebhookSecret();
const body = webhookBody({ key: "paid:1", group: "paid", context: { amount: 3 }, createdAt: new Date() });
const message = (url: string, extra: Partial<Parameters<typeof sendWebhook>[0]> = {}) => ({
  url,
  id: webhookIdOf("7c9e6679-7425-40de-944b-e07fc1f90ae7", 1),
  timestamp: new Date(),
  body,
  secrets: [secret],
  allowPrivate: true,
  ...extra,
});

describe("sendWebhook", () => {
  it("POSTs the signed body with the Standard Webhooks headers, and a receiver verifies it", async () => {
    const r = await receiver((_, res) => res.writeHead(202).end("accepted"));
    const result = await sendWebhook(message(r.url));
    expect(result).toMatchObject({ ok: true, status: 202, response: "accepted" });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const [request] = r.requests;
    expect(request).toMatchObject({ method: "POST", url: "/hooks/in?tenant=a", body });
    expect(request!.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Spark-Webhooks/1",
      "webhook-id": webhookIdOf("7c9e6679-7425-40de-944b-e07fc1f90ae7", 1),
      "content-length": String(Buffer.byteLength(body)),
    });
    expect(request!.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
    expect(verify(secret, request!)).toEqual(JSON.parse(body));
    expect(() => verify(newWebhookSecret(), request!)).toThrow(/signature/);
  });

  it("sends two signatures during a rotation, and a receiver holding either secret verifies", async () => {
    const r = await receiver();
    const previous = newWebhookSecret();
    expect(await sendWebhook(message(r.url, { secrets: [secret, previous] }))).toMatchObject({ ok: true });
    const [request] = r.requests;
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verify(secret, request!)).toEqual(JSON.parse(body));
    expect(verify(previous, request!)).toEqual(JSON.parse(body));
  });

  it("reports 410 as gone: the endpoint asks to be disabled", async () => {
    const r = await receiver((_, res) => res.writeHead(410).end("this endpoint was removed"));
    expect(await sendWebhook(message(r.url))).toMatchObject({
      ok: false,
      status: 410,
      gone: true,
      retryAfterMs: null,
      response: "this endpoint was removed",
      error: expect.stringContaining("410"),
    });
  });

  it.each([429, 503])("honours Retry-After in seconds and as an HTTP date on %i", async (status) => {
    const seconds = await receiver((_, res) => res.writeHead(status, { "retry-after": "120" }).end());
    expect(await sendWebhook(message(seconds.url))).toMatchObject({
      ok: false,
      status,
      retryAfterMs: 120_000,
      gone: false,
      error: expect.stringContaining("120 s"),
    });
    const at = new Date(Date.now() + 300_000).toUTCString();
    const date = await receiver((_, res) => res.writeHead(status, { "retry-after": at }).end());
    const result = await sendWebhook(message(date.url));
    expect(result.ok).toBe(false);
    const retryAfterMs = !result.ok ? result.retryAfterMs : null;
    expect(retryAfterMs).toBeGreaterThan(200_000);
    expect(retryAfterMs).toBeLessThanOrEqual(300_000);
  });

  it("caps Retry-After, reads a past date as now, and ignores it where it is not a wait", async () => {
    const far = await receiver((_, res) => res.writeHead(429, { "retry-after": "99999999" }).end());
    expect(await sendWebhook(message(far.url))).toMatchObject({ retryAfterMs: WEBHOOK_RETRY_AFTER_MAX_MS });
    const past = await receiver((_, res) => res.writeHead(503, { "retry-after": new Date(0).toUTCString() }).end());
    expect(await sendWebhook(message(past.url))).toMatchObject({ retryAfterMs: 0 });
    const junk = await receiver((_, res) => res.writeHead(429, { "retry-after": "soon" }).end());
    expect(await sendWebhook(message(junk.url))).toMatchObject({ ok: false, retryAfterMs: null });
    const on500 = await receiver((_, res) => res.writeHead(500, { "retry-after": "5" }).end("boom"));
    expect(await sendWebhook(message(on500.url))).toMatchObject({
      ok: false,
      status: 500,
      response: "boom",
      retryAfterMs: null,
      gone: false,
      error: "The endpoint answered 500.",
    });
  });

  it("does not follow a redirect, and reports it as a failure", async () => {
    const target = await receiver();
    const r = await receiver((_, res) => res.writeHead(302, { location: target.url }).end());
    const result = await sendWebhook(message(r.url));
    expect(result).toMatchObject({ ok: false, status: 302, gone: false, error: expect.stringContaining("redirect") });
    expect(target.connections()).toBe(0);
  });

  it("times out on a receiver that never answers", async () => {
    const r = await receiver(() => {});
    const result = await sendWebhook(message(r.url, { timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, status: null, error: "No answer within 0.3 s." });
    expect(r.requests).toHaveLength(1);
  });

  it("times out on a receiver that answers and then trickles its body", async () => {
    const r = await receiver((_, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write("."), 20);
      res.on("close", () => clearInterval(drip));
    });
    const result = await sendWebhook(message(r.url, { timeoutMs: 300 }));
    expect(result).toMatchObject({ ok: false, status: 200, error: expect.stringContaining("did not finish") });
  });

  it("reads only the first 4 KiB of an endless answer, then drops the connection", async () => {
    let written = 0;
    let closed!: () => void;
    const dropped = new Promise<void>((resolve) => (closed = resolve));
    const r = await receiver((_, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const pump = () => {
        while (!res.destroyed && res.write("x".repeat(16_384))) written += 16_384;
      };
      res.on("drain", pump);
      res.on("close", closed);
      pump();
    });
    const result = await sendWebhook(message(r.url, { timeoutMs: 10_000 }));
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && result.response).toBe("x".repeat(4096));
    await dropped;
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it("replaces control characters in the answer it keeps", async () => {
    const r = await receiver((_, res) => res.writeHead(400).end("bad\u0000input\u001b[31m\r\nline 2\ttab\u0085"));
    expect(await sendWebhook(message(r.url))).toMatchObject({
      response: "bad\uFFFDinput\uFFFD[31m\nline 2\ttab\uFFFD",
    });
  });

  it("fails on an answer that is not HTTP, such as headers without end", async () => {
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.write(`HTTP/1.1 200 OK\r\nx-huge: ${"a".repeat(100_000)}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push({ close: () => server.close() });
    const port = (server.address() as AddressInfo).port;
    expect(await sendWebhook(message(`http://127.0.0.1:${port}/`, { timeoutMs: 5_000 }))).toMatchObject({
      ok: false,
      error: expect.stringContaining("valid HTTP"),
    });
  });

  it("reports a refused connection", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    expect(await sendWebhook(message(`http://127.0.0.1:${port}/`))).toMatchObject({
      ok: false,
      status: null,
      error: `127.0.0.1:${port} refused the connection.`,
    });
  });

  it("stops when the caller cancels", async () => {
    const r = await receiver(() => {});
    const controller = new AbortController();
    const pending = sendWebhook(message(r.url, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ ok: false, error: "The send was cancelled." });
  });

  it("adds the operator's extra headers", async () => {
    const r = await receiver();
    const headers = { Authorization: "Bearer abc", "X-Tenant": "a b;c=1" };
    expect(await sendWebhook(message(r.url, { headers }))).toMatchObject({ ok: true });
    expect(r.requests[0]!.headers).toMatchObject({ authorization: "Bearer abc", "x-tenant": "a b;c=1" });
    expect(verify(secret, r.requests[0]!)).toEqual(JSON.parse(body));
  });

  it.each([
    [{ "Content-Type": "text/plain" }, "content-type"],
    [{ "webhook-signature": "v1,forged" }, "webhook-signature"],
    [{ "Webhook-Id": "msg_other" }, "webhook-id"],
    [{ "webhook-timestamp": "0" }, "webhook-timestamp"],
    [{ "webhook-anything": "x" }, "webhook-anything"],
    [{ host: "internal.example" }, "host"],
    [{ "Content-Length": "0" }, "content-length"],
    [{ "transfer-encoding": "chunked" }, "transfer-encoding"],
    [{ connection: "close" }, "connection"],
    [{ "User-Agent": "curl/8" }, "user-agent"],
    [{ expect: "100-continue" }, "expect"],
    [{ "x-a": "1\r\nx-injected: yes" }, "line breaks"],
    [{ "x-a": "1\nx-injected: yes" }, "line breaks"],
    [{ "x-a": "nul\u0000" }, "control"],
    [{ "x-a": "é" }, "ASCII"],
    [{ "x a": "1" }, "not a header name"],
    [{ "x-a\r\nx-b": "1" }, "not a header name"],
    [{ "": "1" }, "not a header name"],
    [{ "X-A": "1", "x-a": "2" }, "twice"],
    [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-${i}`, "1"])), "at most 20"],
  ])("refuses the extra headers %j without connecting", async (headers, says) => {
    expect(checkExtraHeaders(headers)).toContain(says);
    const r = await receiver();
    expect(await sendWebhook(message(r.url, { headers }))).toMatchObject({
      ok: false,
      status: null,
      error: expect.stringContaining(says),
    });
    expect(r.connections()).toBe(0);
  });

  it("refuses an id that would break its header, without connecting", async () => {
    const r = await receiver();
    expect(await sendWebhook(message(r.url, { id: "msg_1\r\nx-injected: yes" }))).toMatchObject({
      ok: false,
      status: null,
      error: expect.stringContaining("webhook-id"),
    });
    expect(r.connections()).toBe(0);
  });

  it("refuses a malformed secret without connecting", async () => {
    const r = await receiver();
    expect(await sendWebhook(message(r.url, { secrets: ["whsec_tooshort"] }))).toMatchObject({
      ok: false,
      error: expect.stringContaining("whsec_"),
    });
    expect(r.connections()).toBe(0);
  });
});

describe("sendWebhook checks the address again when it sends", () => {
  const resolvesTo =
    (address: string): LookupFn =>
    async () => [{ address, family: 4 }];

  it("refuses 127.0.0.1 unless private addresses are allowed, and the receiver sees nothing", async () => {
    const r = await receiver();
    const result = await sendWebhook(message(r.url, { allowPrivate: false }));
    expect(result).toMatchObject({ ok: false, status: null, error: expect.stringContaining("loopback") });
    expect(!result.ok && result.error).toContain("SPARK_WEBHOOK_ALLOW_PRIVATE=1");
    for (const host of ["localhost", "0x7f.1", "[::ffff:127.0.0.1]", "2130706433"]) {
      const url = `http://${host}:${r.port}/`;
      expect(await sendWebhook(message(url, { allowPrivate: false })), url).toMatchObject({ ok: false });
    }
    expect(r.connections()).toBe(0);
  });

  it("refuses a name that resolves to a private address at send time, though it was public when checked", async () => {
    const r = await receiver();
    let calls = 0;
    // DNS rebinding: public for the first question, loopback for every one after.
    const rebinding: LookupFn = async () => [{ address: calls++ === 0 ? "93.184.216.34" : "127.0.0.1", family: 4 }];
    const url = `http://hooks.example.com:${r.port}/in`;
    expect(await checkWebhookUrl(url, { allowPrivate: false, lookup: rebinding })).toMatchObject({ ok: true });
    const result = await sendWebhook(message(url, { allowPrivate: false, lookup: rebinding }));
    expect(result).toMatchObject({ ok: false, status: null, error: expect.stringContaining("loopback") });
    expect(r.connections()).toBe(0);
  });

  it("connects to the address it checked and keeps the name in the Host header", async () => {
    const r = await receiver();
    const url = `http://hooks.example.test:${r.port}/in`;
    expect(await sendWebhook(message(url, { lookup: resolvesTo("127.0.0.1") }))).toMatchObject({ ok: true });
    expect(r.requests[0]!.headers.host).toBe(`hooks.example.test:${r.port}`);
    expect(verify(secret, r.requests[0]!)).toEqual(JSON.parse(body));
  });
});
