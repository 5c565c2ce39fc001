import type { Inbound } from "@/db/schema";
import type { Deps } from "../deps";
import type { InboundConnector, InboundDelivery } from "../brokers/types";
import { recordInboundBatch, type InboundTally } from "./record";

/**
 * Consumes an inbound until `signal` aborts: messages are gathered into batches (up to `batchSize`, or
 * whatever arrived within `lingerMs`) and each batch is recorded in one transaction, in order, before
 * its messages are acknowledged. The broker's prefetch bounds what waits here unacknowledged.
 */
export async function runInbound(
  deps: Deps,
  {
    inbound,
    connector,
    signal,
    batchSize = 100,
    lingerMs = 20,
    onBatch,
  }: {
    inbound: Pick<Inbound, "id">;
    connector: InboundConnector;
    signal: AbortSignal;
    batchSize?: number;
    lingerMs?: number;
    onBatch?: (tally: InboundTally) => void;
  },
): Promise<void> {
  const pending: InboundDelivery[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = pending.splice(0);
    if (batch.length > 0)
      chain = chain.then(async () => {
        try {
          // Recorded first, reported after: inside `onBatch?.(…)` the recording would be skipped
          // whenever nobody asked to be told.
          const tally = await recordInboundBatch(deps, { inbound, deliveries: batch });
          onBatch?.(tally);
        } catch (error) {
          // Settling failed (the broker connection dropped): the broker redelivers what was not acknowledged.
          deps.log.error("inbound batch failed", {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      });
    return chain;
  };
  await connector.consume(async (delivery) => {
    pending.push(delivery);
    if (pending.length >= batchSize) await flush();
    else if (!timer) timer = setTimeout(() => void flush(), lingerMs);
  }, signal);
  await flush();
}
