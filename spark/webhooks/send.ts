import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { checkedLookup, hostOf, parseWebhookUrl, resolveWebhookHost, type LookupFn } from "./address";
import { checkExtraHeaders } from "./headers";
import { signWebhook, unixSeconds } from "./sign";

export type WebhookResult =
  | { ok: true; status: number; response: string; durationMs: number }
  | {
      ok: false;
      status: number | null;
      response: string | null;
      error: string;
      durationMs: number;
      /** From Retry-After on 429 and 503 (seconds or an HTTP date), at most WEBHOOK_RETRY_AFTER_MAX_MS. */
      retryAfterMs: number | null;
      /** 410: the endpoint asks to be disabled. */
      gone: boolean;
    };

type WebhookFailure = Extract<WebhookResult, { ok: false }>;

export type WebhookRequest = {
  url: string;
  id: string;
  timestamp: Date;
  body: string;
  secrets: string[];
  headers?: Record<string, string>;
  /** The whole exchange, from looking up the host to the last byte read. */
  timeoutMs?: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** Resolves host names; the system resolver unless a test stands in for DNS. */
  lookup?: LookupFn;
};

export const WEBHOOK_USER_AGENT = "Spark-Webhooks/1";
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** What is kept of an answer: enough to show the operator why, and no more whatever the receiver sends. */
export const WEBHOOK_RESPONSE_LIMIT_BYTES = 4096;
/** A receiver may slow Spark down, but not past the schedule's own longest wait. */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 10 * 60 * 60 * 1000;

// Sockets are pooled per policy: a connection opened while private addresses were allowed is never
// handed to a send that must not reach them, and no other code's pooled socket is ever reused.
const agents = {
  private: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
  public: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
};

/**
 * POSTs one signed webhook and says what came of it. Never throws and never follows a redirect; the
 * host is checked again here and the socket connects only to the addresses that passed.
 */
export async function sendWebhook(input: WebhookRequest): Promise<WebhookResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refuse = (error: string): WebhookFailure => ({
    ok: false,
    status: null,
    response: null,
    error,
    durationMs: elapsed(),
    retryAfterMs: null,
    gone: false,
  });

  const parsed = parseWebhookUrl(input.url);
  if (!parsed.ok) return refuse(parsed.message);
  const url = parsed.url;
  const extra = input.headers ?? {};
  const headerProblem = checkExtraHeaders(extra);
  if (headerProblem) return refuse(headerProblem);
  let signature: string;
  try {
    signature = signWebhook(input);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const host = hostOf(url);
  if (isIP(host)) {
    // Sockets skip `lookup` for a literal address, so it is checked here instead.
    const literal = await resolveWebhookHost(host, { allowPrivate: input.allowPrivate });
    if (!literal.ok) return refuse(literal.message);
  }
  const timeoutMs = input.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  if (!(timeoutMs > 0)) return refuse("The webhook timeout must be more than 0 ms.");
  if (input.signal?.aborted) return refuse("The send was cancelled before it started.");

  const body = Buffer.from(input.body, "utf8");
  const headers: Record<string, string> = {
    ...extra,
    "content-type": "application/json",
    "content-length": String(body.length),
    "user-agent": WEBHOOK_USER_AGENT,
    "webhook-id": input.id,
    "webhook-timestamp": String(unixSeconds(input.timestamp)),
    "webhook-signature": signature,
  };
  const secure = url.protocol === "https:";
  const pool = input.allowPrivate ? agents.private : agents.public;

  return new Promise<WebhookResult>((resolve) => {
    let settled = false;
    let status: number | null = null;
    let location: string | undefined;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let kept = 0;

    const settle = (result: WebhookResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      input.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const fail = (error: string) =>
      settle({ ...refuse(error), status, response: status === null ? null : responseText(chunks) });
    const answered = () => settle(outcome(status!, responseText(chunks), elapsed(), location, retryAfter));

    let request: http.ClientRequest;
    try {
      request = (secure ? https : http).request({
        method: "POST",
        protocol: url.protocol,
        hostname: host,
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers,
        agent: secure ? pool.https : pool.http,
        lookup: checkedLookup({ allowPrivate: input.allowPrivate, lookup: input.lookup }),
      });
    } catch (error) {
      // Node refuses a header value it cannot send (a line break in the id) before anything is sent.
      return resolve(refuse(describeError(error as NodeJS.ErrnoException, url)));
    }

    const timer = setTimeout(() => {
      fail(
        status === null
          ? `No answer within ${seconds(timeoutMs)}.`
          : `The endpoint answered ${status} but did not finish its body within ${seconds(timeoutMs)}.`,
      );
      request.destroy();
    }, timeoutMs);
    const onAbort = () => {
      fail("The send was cancelled.");
      request.destroy();
    };
    input.signal?.addEventListener("abort", onAbort, { once: true });

    request.on("error", (error) => fail(describeError(error, url)));
    request.on("response", (response: IncomingMessage) => {
      status = response.statusCode ?? 0;
      location = single(response.headers.location);
      retryAfter = single(response.headers["retry-after"]);
      response.on("data", (chunk: Buffer) => {
        const room = WEBHOOK_RESPONSE_LIMIT_BYTES - kept;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        kept += Math.min(room, chunk.length);
        if (kept >= WEBHOOK_RESPONSE_LIMIT_BYTES) {
          // The rest is never read: a huge or endless answer costs one chunk and a closed socket.
          answered();
          request.destroy();
        }
      });
      response.on("error", () => {});
      // A body cut short still carries the receiver's status, and the status is the answer.
      response.on("close", answered);
    });
    request.end(body);
  });
}

function outcome(
  status: number,
  response: string,
  durationMs: number,
  location: string | undefined,
  retryAfter: string | undefined,
): WebhookResult {
  if (status >= 200 && status < 300) return { ok: true, status, response, durationMs };
  const failure = { ok: false as const, status, response, durationMs, retryAfterMs: null, gone: false };
  if (status >= 300 && status < 400) {
    const to = location ? ` to ${clean(location).slice(0, 200)}` : "";
    return {
      ...failure,
      error: `The endpoint redirected (${status})${to}; Spark does not follow redirects, so enter the final URL.`,
    };
  }
  if (status === 410) {
    return { ...failure, gone: true, error: "The endpoint answered 410 Gone: it asks for no more webhooks." };
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(retryAfter, Date.now());
    const wait = retryAfterMs === null ? "" : ` and asked to wait ${seconds(retryAfterMs)}`;
    return { ...failure, retryAfterMs, error: `The endpoint answered ${status}${wait}.` };
  }
  return { ...failure, error: `The endpoint answered ${status}.` };
}

/** Retry-After as delay-seconds or an HTTP date, never negative and never past the cap; null if unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
    ms = at - now;
  }
  return Math.min(WEBHOOK_RETRY_AFTER_MAX_MS, Math.max(0, ms));
}

function describeError(error: NodeJS.ErrnoException, url: URL): string {
  const where = url.host;
  switch (error.code) {
    case "SPARK_WEBHOOK_ADDRESS":
      return error.message;
    case "ECONNREFUSED":
      return `${where} refused the connection.`;
    case "ECONNRESET":
    case "EPIPE":
      return `${where} closed the connection before answering.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${url.hostname} does not resolve; check the host name.`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} cannot be reached (${error.code}).`;
  }
  if (error.code?.startsWith("HPE_")) return `${where} did not answer in valid HTTP (${error.code}).`;
  if (error.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.code)) {
    return `TLS with ${where} failed: ${clean(error.message)}.`;
  }
  return `Sending to ${where} failed: ${clean(error.message)}.`;
}

function responseText(chunks: Buffer[]): string {
  return clean(new TextDecoder("utf-8").decode(Buffer.concat(chunks)).replace(/\r\n/g, "\n"));
}

/** Text a log or a page can show as it is: every control character but newline and tab replaced. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\uFFFD");
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
