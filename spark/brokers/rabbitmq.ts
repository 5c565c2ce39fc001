import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message } from "amqplib";
import { z } from "zod";
import type { PublishedEvent } from "@/db/queries/event-streams";
import type { HandOff } from "../subscriptions/destinations";
import { onAbort } from "./abort";
import { webhookBody } from "../webhooks/sign";
import { parseRabbitUrl, readRabbitUrl, type RabbitUrl } from "./rabbitmq-url";
import type { BrokerAddress, BrokerDriver, BrokerRelay, InboundConnector, InboundDelivery } from "./types";

export const RABBIT_CONNECT_TIMEOUT_MS = 5_000;
/** A confirm that takes longer is reported as a failure and retried; the broker may still confirm it later. */
export const RABBIT_CONFIRM_TIMEOUT_MS = 15_000;
/** How long a stop waits for the confirms of messages already published before giving up on them. */
export const RABBIT_STOP_GRACE_MS = 2_000;
/**
 * The largest inbound message Spark records: the API's own request limit. A larger one is still handed
 * on (it is in memory already), so the inbound refuses it with its reason rather than dropping it unseen.
 */
export const RABBIT_MAX_INBOUND_BYTES = 1024 * 1024;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const HEARTBEAT_SECONDS = 30;

const EXCHANGE_NAME = /^[A-Za-z0-9_.:-]{1,255}$/;
type Placeholder = "group" | "key" | "aggregateType";
// Literal text is what a topic routing key segment usually holds; "*" and "#" are binding wildcards and
// mean nothing in a published key, so they are refused rather than sent as literals.
const TEMPLATE = /^(?:[A-Za-z0-9_.:-]|\{(?:group|key|aggregateType)\})+$/;

export const rabbitRelayConfigSchema = z.object({
  exchange: z
    .string()
    .trim()
    .regex(
      EXCHANGE_NAME,
      "An exchange name is 1–255 of A–Z a–z 0–9 _ . : - (the default exchange cannot be checked, so it is not offered).",
    )
    .default("amq.topic"),
  routingKey: z
    .string()
    .trim()
    .max(255, "A routing key template is at most 255 characters.")
    .regex(
      TEMPLATE,
      "A routing key template is A–Z a–z 0–9 _ . : - with the placeholders {group}, {key} and {aggregateType}; nothing else.",
    )
    .optional(),
});
export type RabbitRelayConfig = z.infer<typeof rabbitRelayConfigSchema>;

export const rabbitInboundConfigSchema = z.object({
  queue: z
    .string()
    .trim()
    .min(1, "Name the queue to read.")
    .max(255, "A queue name is at most 255 bytes.")
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]+$/, "A queue name holds no control characters."),
  prefetch: z.coerce.number().int().min(1).max(1000).default(100),
});
export type RabbitInboundConfig = z.infer<typeof rabbitInboundConfigSchema>;

/**
 * The routing key of one event: the template with `{group}`, `{key}` and `{aggregateType}` replaced, or the
 * group when there is no template. An event without an aggregate cannot fill `{aggregateType}`, and a key
 * over RabbitMQ's 255 bytes cannot be sent; both are failures the operator sees, never a guessed key.
 */
export function routingKeyOf(
  template: string | undefined,
  event: PublishedEvent,
): { ok: true; key: string } | { ok: false; error: string } {
  if (template === undefined) return { ok: true, key: event.group };
  let missing: Placeholder | null = null;
  const key = template.replace(/\{(group|key|aggregateType)\}/g, (_, name: Placeholder) => {
    if (name === "group") return event.group;
    if (name === "key") return event.key;
    if (!event.aggregate) missing = name;
    return event.aggregate?.type ?? "";
  });
  if (missing)
    return {
      ok: false,
      error: `Event ${event.key} has no aggregate, so the routing key template's {aggregateType} has no value; narrow the subscription's groups to events with an aggregate, or leave {aggregateType} out.`,
    };
  if (Buffer.byteLength(key) > 255)
    return {
      ok: false,
      error: `The routing key of event ${event.key} is longer than RabbitMQ's 255 bytes; shorten the template.`,
    };
  return { ok: true, key };
}

/** The message's AMQP properties, as consumers (django-outbox-pattern, STOMP, plain amqplib) read them. */
export function messagePropertiesOf(event: PublishedEvent) {
  // django-outbox-pattern's consumer de-duplicates on whichever header's name contains "msg-id", and
  // without one it files every message under the same null id and acks all but the first unread.
  const headers: Record<string, string | number> = { "spark-msg-id": event.key };
  if (event.aggregate) {
    headers["spark-aggregate-type"] = event.aggregate.type;
    headers["spark-aggregate-id"] = event.aggregate.id;
    headers["spark-version"] = event.aggregate.version;
  }
  return {
    persistent: true,
    mandatory: true,
    contentType: "application/json",
    messageId: event.key,
    type: event.group,
    timestamp: Math.floor(event.createdAt.getTime() / 1000),
    headers,
  };
}

/** Removes the password from a message that may have come from the network, whatever produced it. */
function redact(message: string, password: string | null): string {
  if (!password) return message;
  let out = message;
  for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join("***");
  return out;
}

function describe(url: RabbitUrl): string {
  return `RabbitMQ at ${url.hostname}:${url.port}`;
}

/** One line an operator can act on, from what amqplib or the socket threw. */
function explain(error: unknown, url: RabbitUrl, password: string | null): string {
  const raw = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const where = describe(url);
  const user = url.username ?? "guest";
  let message: string;
  if (code === "ECONNREFUSED")
    message = `${where} refused the connection; check that it runs and listens on that port.`;
  else if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    message = `The host ${url.hostname} was not found; check the URL's host.`;
  else if (code === "ECONNRESET" || code === "EPIPE") message = `${where} closed the connection (${raw}).`;
  else if (/ETIMEDOUT|timed out/i.test(raw) || code === "ETIMEDOUT")
    message = `${where} did not answer within ${RABBIT_CONNECT_TIMEOUT_MS / 1000} s; check the host, the port and any firewall.`;
  else if (/ACCESS[-_]REFUSED.*(login|authentication|PLAIN)/i.test(raw) || (/403/.test(raw) && /login/i.test(raw)))
    message = `${where} refused user ${user}'s login; check the user and password.`;
  // amqplib reports a refused connection.open only as an unexpected ConnectionClose; RabbitMQ refuses
  // it for a vhost that is missing or that the user may not use.
  else if (/vhost|ConnectionOpenOk/i.test(raw))
    message = `User ${user} may not open vhost "${url.vhost}" on ${where}, or it does not exist; check the URL's vhost and the user's permissions.`;
  else if (
    /certificate|SSL|TLS|self.signed|EPROTO/i.test(raw) ||
    (typeof code === "string" && code.startsWith("ERR_TLS"))
  )
    message = `The TLS handshake with ${where} failed: ${raw}.`;
  else message = `${where}: ${raw}`;
  return redact(message.replace(/\s+/g, " ").trim(), password);
}

function addressOf(address: BrokerAddress): RabbitUrl {
  const url = readRabbitUrl(address.url);
  if (!url) throw new Error("The stored RabbitMQ address is not a URL Spark wrote; enter the URL again.");
  return url;
}

async function connect(url: RabbitUrl, password: string | null): Promise<ChannelModel> {
  const connection = await amqp.connect(
    {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port,
      // amqplib percent-decodes the vhost it is given, so it gets the encoded form to decode back exactly.
      vhost: encodeURIComponent(url.vhost),
      heartbeat: HEARTBEAT_SECONDS,
      ...(url.username === null ? {} : { username: url.username, password: password ?? "" }),
    },
    { timeout: RABBIT_CONNECT_TIMEOUT_MS, clientProperties: { connection_name: "spark" } },
  );
  // Without a listener an 'error' event would throw and end the process; the 'close' that follows it is
  // where each user of the connection reacts.
  connection.on("error", () => {});
  return connection;
}

function backoffMs(failures: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** What RabbitMQ meant by closing a channel over an exchange or queue, in words an operator can act on. */
// Channel closes caused by one message rather than the broker: the event fails and is parked in time.
const TOO_LARGE = "RabbitMQ refused a message of";
const TOPIC_REFUSED = "RabbitMQ refused the routing key";

function channelProblem(
  error: unknown,
  target: string,
  url: RabbitUrl,
  kind: "exchange" | "queue" = "exchange",
): string {
  const raw = error instanceof Error ? error.message : String(error);
  const user = url.username ?? "guest";
  const size = /message size (\d+) is larger than configured max size (\d+)/.exec(raw);
  if (size)
    return `${TOO_LARGE} ${size[1]} bytes: its max_message_size is ${size[2]} bytes. Raise max_message_size in rabbitmq.conf, or keep the events' context smaller; the event is retried and parked after the attempt limit.`;
  if (/NOT[-_]FOUND/.test(raw))
    return kind === "exchange"
      ? `There is no exchange "${target}" in vhost "${url.vhost}"; declare it in RabbitMQ, or use amq.topic.`
      : `There is no queue "${target}" in vhost "${url.vhost}"; declare it in RabbitMQ (with a dead-letter exchange for refused messages).`;
  const topic = /access to topic '([^']*)' in exchange/.exec(raw);
  if (/ACCESS[-_]REFUSED/.test(raw) && topic)
    return `${TOPIC_REFUSED} "${topic[1]}" to exchange "${target}" in vhost "${url.vhost}" (a topic permission of user ${user}); grant it, or route this group elsewhere. The event is retried and parked after the attempt limit.`;
  if (/ACCESS[-_]REFUSED/.test(raw))
    return kind === "exchange"
      ? `User ${user} may not use exchange "${target}" in vhost "${url.vhost}"; grant it write permission there.`
      : `User ${user} may not read queue "${target}" in vhost "${url.vhost}"; grant it read permission there.`;
  return `RabbitMQ closed the channel: ${raw.replace(/\s+/g, " ")}`;
}

async function check(address: BrokerAddress, rawConfig: unknown, use: "relay" | "inbound"): Promise<string | null> {
  let url: RabbitUrl;
  try {
    url = addressOf(address);
  } catch (error) {
    return (error as Error).message;
  }
  const schema = use === "relay" ? rabbitRelayConfigSchema : rabbitInboundConfigSchema;
  const config = schema.safeParse(rawConfig);
  if (!config.success) return config.error.issues[0]?.message ?? "The settings are not valid.";
  let connection: ChannelModel;
  try {
    connection = await connect(url, address.password);
  } catch (error) {
    return explain(error, url, address.password);
  }
  try {
    const channel = await connection.createChannel();
    channel.on("error", () => {});
    try {
      if ("exchange" in config.data) await channel.checkExchange(config.data.exchange);
      else await channel.checkQueue(config.data.queue);
      return null;
    } catch (error) {
      const problem =
        "exchange" in config.data
          ? channelProblem(error, config.data.exchange, url)
          : channelProblem(error, config.data.queue, url, "queue");
      return redact(problem, address.password);
    }
  } catch (error) {
    return explain(error, url, address.password);
  } finally {
    await connection.close().catch(() => {});
  }
}

type Link = {
  connection: ChannelModel;
  channel: ConfirmChannel;
  blocked: string | null;
  returned: Map<string, number>;
  /** Why RabbitMQ closed the channel (a deleted exchange, a lost permission), for the publishes it failed. */
  closedBecause: string | null;
};

/**
 * A relay holds one connection and one confirm channel, opened at the first publish. When either closes
 * (a broker restart, a dropped socket) the publishes awaiting a confirm fail and the next publish opens
 * them again; after a failed open, publishes fail at once until the backoff has passed, so an outage
 * costs the broker one attempt per backoff, not one per event.
 */
function createRelay(address: BrokerAddress, rawConfig: RabbitRelayConfig): BrokerRelay {
  const config = rabbitRelayConfigSchema.parse(rawConfig);
  let link: Link | null = null;
  let opening: Promise<Link> | null = null;
  let failures = 0;
  let retryAt = 0;
  let lastError = "";
  let closed = false;

  async function open(): Promise<Link> {
    const url = addressOf(address);
    const connection = await connect(url, address.password);
    try {
      const channel = await connection.createConfirmChannel();
      const opened: Link = { connection, channel, blocked: null, returned: new Map(), closedBecause: null };
      channel.on("error", (error: Error) => (opened.closedBecause = channelProblem(error, config.exchange, url)));
      // RabbitMQ sends basic.return before the confirm of the same message, so a confirm that finds its
      // message id here is an unroutable message, not a delivered one.
      channel.on("return", (message: Message) => {
        const id = String(message.properties.messageId ?? "");
        opened.returned.set(id, (opened.returned.get(id) ?? 0) + 1);
      });
      const drop = () => {
        if (link === opened) link = null;
        // The next publish opens both again, so a connection left without its channel would only leak.
        connection.close().catch(() => {});
      };
      channel.on("close", drop);
      connection.on("close", drop);
      connection.on("blocked", (reason: string) => (opened.blocked = reason));
      connection.on("unblocked", () => (opened.blocked = null));
      return opened;
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  async function ready(): Promise<Link | string> {
    if (link) return link;
    const url = addressOf(address);
    if (!opening) {
      const wait = retryAt - Date.now();
      if (wait > 0) return `${lastError} Next connection attempt in ${Math.ceil(wait / 1000)} s.`;
      opening = open().finally(() => (opening = null));
    }
    try {
      link = await opening;
      failures = 0;
      if (closed) {
        await link.connection.close().catch(() => {});
        link = null;
        return "The relay is closed.";
      }
      return link;
    } catch (error) {
      failures += 1;
      retryAt = Date.now() + backoffMs(failures);
      lastError = explain(error, url, address.password);
      return lastError;
    }
  }

  async function publish(event: PublishedEvent, options: { signal?: AbortSignal }): Promise<HandOff> {
    const fail = (error: string): HandOff => ({ ok: false, error: redact(error, address.password) });
    if (closed) return fail("The relay is closed.");
    if (options.signal?.aborted) return fail("Stopped before publishing.");
    const routing = routingKeyOf(config.routingKey, event);
    if (!routing.ok) return fail(routing.error);
    let current: Link | string;
    try {
      current = await ready();
    } catch (error) {
      return fail((error as Error).message);
    }
    // The broker is down, reconnecting or refusing everything: the subscription waits here rather than
    // failing (and moving past) every event in turn.
    const down = (error: string, attempted = true): HandOff => ({
      ok: false,
      error: redact(error, address.password),
      unavailable: true,
      attempted,
    });
    if (typeof current === "string") return down(current, !current.includes("Next connection attempt in"));
    const opened = current;
    if (opened.blocked)
      return down(
        `RabbitMQ is refusing publishes for now (${opened.blocked}); it lifts this when its memory or disk alarm clears.`,
      );
    const properties = messagePropertiesOf(event);
    const body = Buffer.from(webhookBody(event));
    return new Promise<HandOff>((resolve) => {
      let settled = false;
      let forget = () => {};
      let stopGrace: NodeJS.Timeout | undefined;
      const finish = (result: HandOff) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(stopGrace);
        forget();
        resolve(result);
      };
      const timer = setTimeout(
        () => finish(fail(`RabbitMQ did not confirm the message within ${RABBIT_CONFIRM_TIMEOUT_MS / 1000} s.`)),
        RABBIT_CONFIRM_TIMEOUT_MS,
      );
      // A stop lets a published message's confirm arrive (it is usually milliseconds away) rather than
      // abandon it: an abandoned one is sent again after the restart. A broker that does not answer
      // within the grace still lets the stop go on.
      forget = onAbort(options.signal, () => {
        stopGrace = setTimeout(
          () => finish(fail("Stopped before RabbitMQ confirmed the message.")),
          RABBIT_STOP_GRACE_MS,
        );
      });
      try {
        opened.channel.publish(config.exchange, routing.key, body, properties, (error: unknown) => {
          const returned = opened.returned.get(event.key) ?? 0;
          if (returned > 0) {
            if (returned === 1) opened.returned.delete(event.key);
            else opened.returned.set(event.key, returned - 1);
          }
          if (error)
            finish(
              opened.closedBecause
                ? // A message too large, or a routing key the user may not publish, is this event's own
                  // problem: it is retried and parked while the others go on.
                  opened.closedBecause.startsWith(TOO_LARGE) || opened.closedBecause.startsWith(TOPIC_REFUSED)
                  ? fail(opened.closedBecause)
                  : down(opened.closedBecause)
                : link === opened
                  ? fail(
                      `RabbitMQ refused the message (a negative confirm): a queue bound to ${config.exchange} for routing key ${routing.key} is full or limits its size (x-max-length or x-max-length-bytes with x-overflow reject-publish), or the broker could not store it; it will be sent again.`,
                    )
                  : down("The connection to RabbitMQ closed before it confirmed the message; it will be sent again."),
            );
          else if (returned > 0)
            finish(
              fail(
                `No queue is bound to ${config.exchange} for routing key ${routing.key}; RabbitMQ returned the message.`,
              ),
            );
          else finish({ ok: true });
        });
      } catch (error) {
        // amqplib throws at once for a field it cannot encode or a channel already closed.
        const raw = (error as Error).message;
        if (/messageId/.test(raw))
          finish(fail(`The key of event ${event.key} is longer than the 255 bytes RabbitMQ's message_id carries.`));
        else if (/headers/i.test(raw))
          finish(fail(`The aggregate of event ${event.key} does not fit in a message's headers.`));
        else if (/closed/i.test(raw)) {
          if (link === opened) link = null;
          finish(down("The connection to RabbitMQ closed; the message will be sent again."));
        } else finish(fail(`RabbitMQ could not take the message: ${raw}`));
      }
    });
  }

  return {
    publish,
    async close() {
      closed = true;
      const current = link ?? (opening ? await opening.catch(() => null) : null);
      link = null;
      if (current) await current.connection.close().catch(() => {});
    },
  };
}

type Settle = "ack" | "reject" | "retry";

/**
 * Reads a queue with manual acks, one message at a time to `onMessage`, in the order RabbitMQ delivers
 * them. A retry closes the channel after the nack, so the message and all those received but not yet
 * handed on go back to their places in the queue, and opens it again after a backoff: a database outage
 * neither spins through the queue nor reorders it.
 */
function createConnector(address: BrokerAddress, rawConfig: RabbitInboundConfig): InboundConnector {
  const config = rabbitInboundConfigSchema.parse(rawConfig);
  return {
    async consume(onMessage, signal) {
      let failures = 0;
      while (!signal.aborted) {
        await consumeOnce(address, config, onMessage, signal, () => (failures = 0));
        if (signal.aborted) break;
        failures += 1;
        await sleep(backoffMs(failures), signal);
      }
    },
  };
}

async function consumeOnce(
  address: BrokerAddress,
  config: RabbitInboundConfig,
  onMessage: (delivery: InboundDelivery) => Promise<void>,
  signal: AbortSignal,
  onProgress: () => void,
): Promise<"lost" | "retry" | "stopped"> {
  let connection: ChannelModel;
  let channel: Channel;
  try {
    connection = await connect(addressOf(address), address.password);
  } catch {
    return "lost";
  }
  try {
    channel = await connection.createChannel();
    channel.on("error", () => {});
    await channel.prefetch(config.prefetch);
  } catch {
    await connection.close().catch(() => {});
    return "lost";
  }

  const waiting: ConsumeMessage[] = [];
  let wake: (() => void) | null = null;
  let lost = false;
  let retried = false;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onLost = () => {
    lost = true;
    poke();
  };
  channel.on("close", onLost);
  connection.on("close", onLost);
  signal.addEventListener("abort", poke, { once: true });

  let consumerTag: string | null = null;
  try {
    const reply = await channel.consume(
      config.queue,
      (message) => {
        // null: RabbitMQ cancelled the consumer (the queue was deleted); open again after the backoff.
        if (message === null) onLost();
        else waiting.push(message);
        poke();
      },
      { noAck: false },
    );
    consumerTag = reply.consumerTag;
  } catch {
    lost = true;
  }

  const settleOn = (message: ConsumeMessage, how: Settle) => {
    try {
      if (how === "ack") channel.ack(message);
      else channel.nack(message, false, how === "retry");
    } catch {
      // The channel is gone: RabbitMQ delivers the message again to the next consumer, and its key
      // makes the second recording a duplicate.
    }
  };

  while (!signal.aborted && !lost && !retried) {
    const message = waiting.shift();
    if (!message) {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    let settled = false;
    const settle = async (how: Settle) => {
      if (settled) return;
      settled = true;
      settleOn(message, how);
      if (how === "retry") retried = true;
      else onProgress();
    };
    const messageId: unknown = message.properties.messageId;
    const delivery: InboundDelivery = {
      body: message.content,
      routingKey: message.fields.routingKey || null,
      messageId: typeof messageId === "string" && messageId !== "" ? messageId : null,
      ack: () => settle("ack"),
      reject: () => settle("reject"),
      retry: () => settle("retry"),
    };
    try {
      await onMessage(delivery);
    } catch {
      await settle("retry");
    }
  }

  signal.removeEventListener("abort", poke);
  // Messages received but not handed on, and any the caller has not settled, stay unacked: closing the
  // channel gives them back to RabbitMQ, which delivers them again.
  if (consumerTag && !lost) await channel.cancel(consumerTag).catch(() => {});
  await channel.close().catch(() => {});
  await connection.close().catch(() => {});
  return lost ? "lost" : retried ? "retry" : "stopped";
}

export const rabbitmqDriver: BrokerDriver<RabbitRelayConfig, RabbitInboundConfig> = {
  kind: "rabbitmq",
  relayConfigSchema: rabbitRelayConfigSchema,
  inboundConfigSchema: rabbitInboundConfigSchema,
  parseUrl: parseRabbitUrl,
  check,
  relay: createRelay,
  connector: createConnector,
};
