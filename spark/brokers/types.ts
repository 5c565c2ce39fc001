import type { z } from "zod";
import type { PublishedEvent } from "@/db/queries/event-streams";
import type { HandOff } from "../subscriptions/destinations";

/** Where a broker is: its URL without the password (kept apart, sealed), and the password. */
export type BrokerAddress = { url: string; password: string | null };

/** A relay to a broker: a subscription's destination, publishing each event and waiting for the broker's confirm. */
export type BrokerRelay = {
  /** Publishes one event; ok only once the broker confirmed it (publisher confirm, JetStream ack). */
  publish(event: PublishedEvent, options: { signal?: AbortSignal }): Promise<HandOff>;
  close(): Promise<void>;
};

/** One message taken from a broker, with the three ways to settle it. */
export type InboundDelivery = {
  body: Buffer;
  /** RabbitMQ's routing key, or the NATS subject. */
  routingKey: string | null;
  /** RabbitMQ's message_id property, or the Nats-Msg-Id header. */
  messageId: string | null;
  /** Done with: the event is recorded (or its key was recorded before). */
  ack(): Promise<void>;
  /** Not an event and never will be: dead-letter it (RabbitMQ reject without requeue; JetStream term). */
  reject(reason: string): Promise<void>;
  /** Could not be recorded now (the database failed): the broker delivers it again later. */
  retry(): Promise<void>;
};

/** Reads a queue or a durable consumer until `signal` aborts, handing each message to `onMessage` in order. */
export type InboundConnector = {
  consume(onMessage: (delivery: InboundDelivery) => Promise<void>, signal: AbortSignal): Promise<void>;
};

/** What Spark needs of one broker kind: its settings' schemas, a relay, a consumer, and a connection check. */
export type BrokerDriver<RelayConfig = Record<string, unknown>, InboundConfig = Record<string, unknown>> = {
  kind: "rabbitmq" | "nats";
  /** A destination's settings besides the URL: RabbitMQ's exchange and routing key, NATS's subject. */
  relayConfigSchema: z.ZodType<RelayConfig>;
  /** An inbound's settings: RabbitMQ's queue, NATS's stream and durable consumer. */
  inboundConfigSchema: z.ZodType<InboundConfig>;
  /** Splits a URL an operator typed into the address Spark keeps and the password it seals; a message when it is not one. */
  parseUrl(url: string): { ok: true; address: BrokerAddress } | { ok: false; message: string };
  /** Connects and checks that the exchange / stream exists and may be used; a message saying what is wrong, or null. */
  check(address: BrokerAddress, config: RelayConfig | InboundConfig, use: "relay" | "inbound"): Promise<string | null>;
  relay(address: BrokerAddress, config: RelayConfig): BrokerRelay;
  connector(address: BrokerAddress, config: InboundConfig): InboundConnector;
};
