import type { BrokerDriver } from "./types";
import { natsDriver } from "./nats";
import { rabbitmqDriver } from "./rabbitmq";

export type BrokerKind = "rabbitmq" | "nats";

/** The broker kinds Spark relays to and consumes from. */
const drivers: Record<BrokerKind, BrokerDriver> = {
  rabbitmq: rabbitmqDriver as unknown as BrokerDriver,
  nats: natsDriver as unknown as BrokerDriver,
};

export const isBrokerKind = (kind: string): kind is BrokerKind => kind === "rabbitmq" || kind === "nats";

export function brokerDriverOf(kind: BrokerKind): BrokerDriver {
  return drivers[kind];
}
