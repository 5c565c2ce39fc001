import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { z } from "zod";
import type { PublishedEvent } from "@/db/queries/event-streams";
import type { HandOff } from "../subscriptions/destinations";
import { onAbort } from "./abort";
import { webhookBody } from "../webhooks/sign";
import type { BrokerAddress, BrokerDriver, InboundDelivery } from "./types";

const DEFAULT_PORT = 4222;
const CONNECT_TIMEOUT_MS = 5_000;
const PUBLISH_TIMEOUT_MS = 10_000;
const SETTLE_TIMEOUT_MS = 5_000;
/** How long a stopped consumer keeps its connection for the acks of messages it already handed out. */
const SETTLE_GRACE_MS = 30_000;
/** Keeps the PUB line well inside nats-server's default 4 KiB control line, with room for the reply inbox. */
export const NATS_SUBJECT_MAX = 1_024;

const PLACEHOLDERS = ["group", "key", "aggregateType"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/**
 * Literal text between placeholders: letters, digits, `_ - :` and `.` between tokens. No wildcards, no
 * spaces, and no leading `$`, so a template can never name a system subject such as `$JS.API.…`.
 */
const LITERAL = /^[A-Za-z0-9_\-:.]*$/;

function subjectTemplateProblem(template: string): string | null {
  if (template.startsWith("$")) return "A subject cannot start with $ (NATS keeps those for its own API).";
  if (/[*>]/.test(template))
    return "A subject template cannot contain the wildcards * or >; Spark publishes to one subject per event.";
  if (/\s/.test(template)) return "A subject cannot contain spaces.";
  const parts = template.split(/(\{[^{}]*\})/);
  for (const part of parts) {
    const placeholder = /^\{(.*)\}$/.exec(part);
    if (placeholder) {
      if (!(PLACEHOLDERS as readonly string[]).includes(placeholder[1]!))
        return `Unknown placeholder ${part}; use {group}, {key} or {aggregateType}.`;
    } else if (!LITERAL.test(part))
      return "Outside placeholders a subject may hold letters, digits, _ - : and . between tokens.";
  }
  if (template.split(".").some((token) => token === ""))
    return "A subject's tokens cannot be empty: no leading, trailing or doubled dots.";
  return null;
}

export const natsRelayConfigSchema = z.object({
  subject: z
    .string()
    .trim()
    .min(1, "Enter a subject, such as spark.{group}.")
    .max(255, "A subject template is at most 255 characters.")
    .default("spark.{group}")
    .superRefine((template, ctx) => {
      const problem = subjectTemplateProblem(template);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
});
export type NatsRelayConfig = z.infer<typeof natsRelayConfigSchema>;

/** NATS puts stream and consumer names into API subjects (`$JS.API.STREAM.INFO.<name>`): no dots, wildcards or spaces. */
const natsName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what} name.`)
    .max(255, `A ${what} name is at most 255 characters.`)
    .regex(/^[^\s.*>/\\\p{Cc}]+$/u, `A ${what} name cannot contain spaces, dots, *, >, / or \\.`);

export const natsInboundConfigSchema = z.object({
  stream: natsName("stream"),
  consumer: natsName("durable consumer"),
  batch: z.coerce.number().int().min(1).max(1000).default(100),
});
export type NatsInboundConfig = z.infer<typeof natsInboundConfigSchema>;

/**
 * Each value becomes one or more subject tokens: its dots stay token separators (so the group
 * `order.created` is published to `spark.order.created` and `spark.order.>` follows every order event);
 * within a token, anything other than ASCII letters, digits, `_`, `-` and `:` — spaces, `*`, `>`, `$`,
 * non-ASCII — becomes `_`, and an empty token becomes `_`. A missing value (an event without an
 * aggregate) is `_`.
 */
export function subjectToken(value: string | null | undefined): string {
  if (!value) return "_";
  return value
    .split(".")
    .map((token) => token.replace(/[^A-Za-z0-9_\-:]/g, "_") || "_")
    .join(".");
}

export function subjectOf(template: string, event: Pick<PublishedEvent, "group" | "key" | "aggregate">): string {
  const values: Record<Placeholder, string | null> = {
    group: event.group,
    key: event.key,
    aggregateType: event.aggregate?.type ?? null,
  };
  return template.replace(/\{(group|key|aggregateType)\}/g, (_, name: Placeholder) => subjectToken(values[name]));
}

/**
 * The subjects a template may produce, as a pattern the JetStream API can match streams against: a token
 * holding a placeholder is any token, and a placeholder at the end may span several tokens.
 */
export function subjectPatternOf(template: string): string {
  const tokens = template.split(".").map((token) => (/\{[A-Za-z]+\}/.test(token) ? "*" : token));
  if (/\{[A-Za-z]+\}$/.test(template)) tokens[tokens.length - 1] = ">";
  return tokens.join(".");
}

export function parseNatsUrl(input: string): { ok: true; address: BrokerAddress } | { ok: false; message: string } {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "Enter a URL such as nats://user:password@nats.example.com:4222." };
  }
  if (url.protocol !== "nats:" && url.protocol !== "tls:")
    return { ok: false, message: "A NATS URL starts with nats:// (or tls:// to require TLS)." };
  if (!url.hostname) return { ok: false, message: "The URL has no host; write nats://host:4222." };
  if ((url.pathname && url.pathname !== "/") || url.search || url.hash)
    return { ok: false, message: "A NATS URL is only a host and port: remove the path, query or fragment." };
  // nats: is not a special scheme, so the URL parser leaves its host unchecked: a comma (a server list)
  // or a percent sign would otherwise reach the client.
  if (url.hostname.includes(","))
    return { ok: false, message: "Give one server; the client learns the rest of a cluster from it." };
  if (!/^[A-Za-z0-9.-]+$/.test(url.hostname) && !/^\[[0-9A-Fa-f:.]+\]$/.test(url.hostname))
    return { ok: false, message: `"${url.hostname}" is not a host name or IP address.` };
  if (url.port === "0") return { ok: false, message: "Port 0 is not a port; NATS listens on 4222 by default." };
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return { ok: false, message: "The user name or password in the URL is not valid percent-encoding." };
  }
  const port = url.port || String(DEFAULT_PORT);
  // A lone user part is a token in NATS URLs (nats://token@host): it is a secret, so it is kept apart too.
  const kept = user && password ? `${encodeURIComponent(user)}@` : "";
  const secret = user && password ? password : user || password;
  return {
    ok: true,
    address: { url: `${url.protocol}//${kept}${url.hostname}:${port}`, password: secret || null },
  };
}

/** Belt and braces: no message leaves this module holding the password, however a library phrased it. */
function scrub(message: string, address: BrokerAddress): string {
  const secret = address.password;
  if (!secret) return message;
  let out = message.split(secret).join("***");
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.split(encoded).join("***");
  return out;
}

async function openConnection(address: BrokerAddress, { reconnect }: { reconnect: boolean }): Promise<NatsConnection> {
  const url = new URL(address.url);
  const user = decodeURIComponent(url.username);
  const auth = user
    ? { user, pass: address.password ?? undefined }
    : address.password
      ? { token: address.password }
      : {};
  return connect({
    servers: `${url.hostname}:${url.port || DEFAULT_PORT}`,
    name: "spark",
    timeout: CONNECT_TIMEOUT_MS,
    tls: url.protocol === "tls:" ? {} : undefined,
    reconnect,
    maxReconnectAttempts: reconnect ? -1 : 0,
    reconnectTimeWait: 1_000,
    // A half-open socket is noticed in about a minute rather than the library's six.
    pingInterval: 20_000,
    // Spark reports a failed publish by its name and message; the call-site stack the library would
    // otherwise capture for every publish cost a fifth of a relay's time.
    noAsyncTraces: true,
    maxPingOut: 3,
    ...auth,
  });
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function describeConnectError(error: unknown, address: BrokerAddress): string {
  const text = errorText(error);
  const where = `NATS at ${address.url}`;
  let message: string;
  if (/authorization|authentication|auth/i.test(text))
    message = `${where} refused the credentials; check the user name and password (or token).`;
  else if (/ECONNREFUSED|connection refused/i.test(text))
    message = `${where} refused the connection; check the host and port, and that nats-server runs.`;
  else if (/ENOTFOUND|EAI_AGAIN/i.test(text)) message = `The host of ${where} cannot be resolved; check its name.`;
  else if (/tls|certificate|ssl/i.test(text))
    message = `TLS with ${where} failed (${text}); use nats:// for a server without TLS, or check its certificate.`;
  else if (/timeout/i.test(text))
    message = `${where} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s; check the host, port and firewall.`;
  else message = `Cannot connect to ${where}: ${text}.`;
  return scrub(message, address);
}

function describeApiError(error: unknown, address: BrokerAddress): string {
  const text = errorText(error);
  if (/JetStreamNotEnabled|jetstream is not enabled|no responders/i.test(text))
    return scrub(`JetStream is not enabled at ${address.url}; start nats-server with -js.`, address);
  if (/timeout/i.test(text)) return scrub(`NATS at ${address.url} did not answer in time; try again.`, address);
  return scrub(`NATS at ${address.url} answered: ${text}.`, address);
}

const raceAbort = <T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> => {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise<T>((resolve, reject) => {
    const forget = onAbort(signal, () => reject(new AbortedError()));
    promise.then(resolve, reject).finally(forget);
  });
};

class AbortedError extends Error {
  name = "AbortedError";
}

/** NATS refuses CR and LF in a header value; they are the only characters escaped, so ordinary keys stay exact. */
const headerValue = (value: string) => value.replace(/[\r\n]/g, (c) => (c === "\r" ? "%0D" : "%0A"));

function describePublishError(error: unknown, subject: string, address: BrokerAddress): string {
  const text = errorText(error);
  let message: string;
  if (error instanceof AbortedError) message = "The publish was abandoned: the relay is stopping.";
  else if (/JetStreamNotEnabled|no responders/i.test(text))
    message = `No stream captures subject "${subject}"; add it (or a wildcard such as ${subject.split(".")[0]}.>) to a JetStream stream's subjects.`;
  else if (/TimeoutError|timeout/i.test(text))
    message = `NATS did not acknowledge the publish within ${PUBLISH_TIMEOUT_MS / 1000} s; the server may be down or restarting.`;
  else if (/max(imum)? ?payload/i.test(text))
    message = `The message is larger than the server's max_payload; raise it in nats-server, or send smaller contexts.`;
  else if (/JetStreamApiError|JetStreamError/.test(text)) message = `JetStream refused the message: ${text}.`;
  else message = `Publishing to NATS failed: ${text}.`;
  return scrub(message, address);
}

export const natsDriver: BrokerDriver<NatsRelayConfig, NatsInboundConfig> = {
  kind: "nats",
  relayConfigSchema: natsRelayConfigSchema,
  inboundConfigSchema: natsInboundConfigSchema,
  parseUrl: parseNatsUrl,

  async check(address, config, use) {
    const parsed =
      use === "relay" ? natsRelayConfigSchema.safeParse(config) : natsInboundConfigSchema.safeParse(config);
    if (!parsed.success) return parsed.error.issues[0]?.message ?? "The settings are not valid.";
    let nc: NatsConnection;
    try {
      nc = await openConnection(address, { reconnect: false });
    } catch (error) {
      return describeConnectError(error, address);
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: CONNECT_TIMEOUT_MS });
      if (use === "relay") {
        const pattern = subjectPatternOf((parsed.data as NatsRelayConfig).subject);
        try {
          await jsm.streams.find(pattern);
          return null;
        } catch (error) {
          if (errorText(error).includes("StreamNotFound"))
            return `No JetStream stream captures "${pattern}"; add that subject to a stream (nats stream add SPARK --subjects '${pattern}').`;
          throw error;
        }
      }
      const { stream, consumer } = parsed.data as NatsInboundConfig;
      try {
        await jsm.streams.info(stream);
      } catch (error) {
        if (errorText(error).includes("StreamNotFound"))
          return `There is no JetStream stream named "${stream}"; check the name (nats stream ls).`;
        throw error;
      }
      let info;
      try {
        info = await jsm.consumers.info(stream, consumer);
      } catch (error) {
        if (errorText(error).includes("ConsumerNotFound"))
          return `Stream "${stream}" has no durable consumer "${consumer}"; create it: nats consumer add ${stream} ${consumer} --pull --ack explicit.`;
        throw error;
      }
      if (info.config.deliver_subject)
        return `Consumer "${consumer}" is a push consumer; Spark pulls: create a pull consumer (--pull) instead.`;
      if (info.config.ack_policy !== "explicit")
        return `Consumer "${consumer}" acknowledges with "${info.config.ack_policy}"; Spark needs explicit acks (--ack explicit) to acknowledge only what it recorded.`;
      return null;
    } catch (error) {
      return describeApiError(error, address);
    } finally {
      await nc.close().catch(() => {});
    }
  },

  relay(address, config) {
    const settings = natsRelayConfigSchema.safeParse(config);
    let connection: Promise<NatsConnection> | null = null;
    let client: { nc: NatsConnection; js: JetStreamClient } | null = null;
    let closed = false;
    const open = () => {
      if (connection) return connection;
      const opening = openConnection(address, { reconnect: true });
      connection = opening;
      // A failed first connect, or a connection the library gave up on, is opened afresh by the next publish.
      opening.then(
        (nc) =>
          void nc.closed().then(() => {
            if (connection === opening) connection = null;
          }),
        () => {
          if (connection === opening) connection = null;
        },
      );
      return opening;
    };
    return {
      async publish(event, { signal }): Promise<HandOff> {
        if (closed) return { ok: false, error: "The relay is closed." };
        if (!settings.success)
          return { ok: false, error: settings.error.issues[0]?.message ?? "The subject template is not valid." };
        const subject = subjectOf(settings.data.subject, event);
        if (subject.length > NATS_SUBJECT_MAX)
          return {
            ok: false,
            error: `This event's subject would be ${subject.length} characters, more than ${NATS_SUBJECT_MAX}; use a template without {key}, or shorter keys.`,
          };
        let nc: NatsConnection;
        try {
          // An open connection is used as it is: a publish a few hundred times a second need not wait a turn.
          nc = client && !client.nc.isClosed() && connection ? client.nc : await raceAbort(open(), signal);
        } catch (error) {
          return {
            ok: false,
            error:
              error instanceof AbortedError
                ? describePublishError(error, subject, address)
                : describeConnectError(error, address),
          };
        }
        try {
          const h = natsHeaders();
          h.set("Content-Type", "application/json");
          h.set("Spark-Group", headerValue(event.group));
          if (event.aggregate) {
            h.set("Spark-Aggregate-Type", headerValue(event.aggregate.type));
            h.set("Spark-Aggregate-Id", headerValue(event.aggregate.id));
            h.set("Spark-Version", String(event.aggregate.version));
          }
          if (client?.nc !== nc) client = { nc, js: jetstream(nc) };
          const ack = await raceAbort(
            client.js.publish(subject, webhookBody(event), {
              msgID: headerValue(event.key),
              headers: h,
              timeout: PUBLISH_TIMEOUT_MS,
            }),
            signal,
          );
          // A duplicate ack means JetStream stored this key before, within its duplicate window: delivered.
          return { ok: true, response: `${ack.stream} #${ack.seq}${ack.duplicate ? " (duplicate)" : ""}` };
        } catch (error) {
          return { ok: false, error: describePublishError(error, subject, address) };
        }
      },
      async close() {
        closed = true;
        const opening = connection;
        connection = null;
        const nc = await opening?.catch(() => null);
        await nc?.close().catch(() => {});
      },
    };
  },

  connector(address, config) {
    const settings = natsInboundConfigSchema.safeParse(config);
    return {
      async consume(onMessage, signal) {
        if (!settings.success)
          throw new Error(settings.error.issues[0]?.message ?? "The inbound's settings are not valid.");
        const { stream, consumer: durable, batch } = settings.data;
        if (signal.aborted) return;
        let nc: NatsConnection;
        try {
          nc = await openConnection(address, { reconnect: true });
        } catch (error) {
          throw new Error(describeConnectError(error, address));
        }
        const termTakesReason = serverAtLeast(nc.info?.version, 2, 11);
        let outstanding = 0;
        let stopped = false;
        let closeTimer: NodeJS.Timeout | null = null;
        const closeConnection = () => {
          if (closeTimer) clearTimeout(closeTimer);
          void nc.close().catch(() => {});
        };
        const settled = () => {
          outstanding -= 1;
          if (stopped && outstanding === 0) closeConnection();
        };
        try {
          const consumer = await jetstream(nc, { timeout: CONNECT_TIMEOUT_MS })
            .consumers.get(stream, durable)
            .catch((error: unknown) => {
              throw new Error(describeConsumerError(error, stream, durable, address));
            });
          const messages = await consumer.consume({ max_messages: batch, abort_on_missing_resource: true });
          const stop = () => void messages.close();
          signal.addEventListener("abort", stop, { once: true });
          try {
            for await (const message of messages) {
              // Pulled but not handed on: JetStream delivers it again after the consumer's ack wait. (A nak
              // here would not be quicker: the server may hand it straight to the pull being closed.)
              if (signal.aborted) break;
              outstanding += 1;
              await onMessage(deliveryOf(nc, message, { termTakesReason, settled, address }));
            }
          } catch (error) {
            if (!signal.aborted) throw new Error(describeConsumerError(error, stream, durable, address));
          } finally {
            signal.removeEventListener("abort", stop);
            await messages.close().catch(() => {});
          }
          if (!signal.aborted)
            throw new Error(
              `The durable consumer "${durable}" of stream "${stream}" stopped delivering (deleted?); check it with nats consumer info ${stream} ${durable}.`,
            );
        } finally {
          stopped = true;
          // Messages already handed on are settled by the caller after this returns; the connection waits
          // for them, and is closed anyway after a grace period (JetStream redelivers what stays unsettled).
          if (outstanding === 0) closeConnection();
          else {
            closeTimer = setTimeout(closeConnection, SETTLE_GRACE_MS);
            closeTimer.unref();
          }
        }
      },
    };
  },
};

function describeConsumerError(error: unknown, stream: string, durable: string, address: BrokerAddress): string {
  const text = errorText(error);
  if (text.includes("StreamNotFound") || /stream not found/i.test(text))
    return `There is no JetStream stream named "${stream}"; check the name (nats stream ls).`;
  if (text.includes("ConsumerNotFound") || /consumer (not found|deleted)/i.test(text))
    return `Stream "${stream}" has no durable consumer "${durable}"; create it: nats consumer add ${stream} ${durable} --pull --ack explicit.`;
  return describeApiError(error, address);
}

function serverAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a = 0, b = 0] = (version ?? "").split(".").map((n) => Number.parseInt(n, 10) || 0);
  return a > major || (a === major && b >= minor);
}

/** A reason fits one protocol line, however the caller wrote it. */
const reasonText = (reason: string) =>
  reason
    .replace(/\p{Cc}+/gu, " ")
    .trim()
    .slice(0, 500);

function deliveryOf(
  nc: NatsConnection,
  message: JsMsg,
  { termTakesReason, settled, address }: { termTakesReason: boolean; settled: () => void; address: BrokerAddress },
): InboundDelivery {
  let done = false;
  const settle = async (send: () => Promise<void>, what: string) => {
    if (done) return;
    done = true;
    try {
      await send();
    } catch (error) {
      throw new Error(
        scrub(
          `NATS did not take the ${what} (${errorText(error)}); the message will be delivered again after the consumer's ack wait.`,
          address,
        ),
      );
    } finally {
      settled();
    }
  };
  // A flush returns once the server has read everything sent before it, so the settle is not lost in a buffer.
  const flushed = () => nc.flush();
  return {
    body: Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength),
    routingKey: message.subject,
    messageId: message.headers?.get("Nats-Msg-Id") || null,
    ack: () =>
      settle(async () => {
        // Unlike ack(), ackAck() waits for JetStream to confirm it recorded the acknowledgement.
        if (!(await message.ackAck({ timeout: SETTLE_TIMEOUT_MS }))) throw new Error("no confirmation");
      }, "acknowledgement"),
    reject: (reason) =>
      settle(async () => {
        // Servers before 2.11 ignore a +TERM that carries a reason, and would redeliver the message.
        if (termTakesReason) message.term(reasonText(reason));
        else message.term();
        await flushed();
      }, "rejection"),
    retry: () =>
      settle(async () => {
        message.nak();
        await flushed();
      }, "retry"),
  };
}
