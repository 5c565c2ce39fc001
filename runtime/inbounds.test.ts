import { describe, expect, it, vi } from "vitest";
import type { Inbound } from "@/db/schema";
import type { InboundConnector } from "@/spark/brokers/types";
import type { Deps } from "@/spark/deps";
import { silentLogger } from "@/spark/logger";
import { startInbounds } from "./inbounds";

type Consumer = { inboundId: string; aborted: Promise<void>; finish: () => void };
const consumers: Consumer[] = [];
let consumerStarted: () => void = () => {};

// A broker that only answers to the test: each consumer runs until aborted, then until the test lets it finish.
vi.mock("@/spark/brokers/registry", async () => {
  const { z } = await import("zod");
  return {
    brokerDriverOf: () => ({
      inboundConfigSchema: z.record(z.string(), z.unknown()),
      connector: ({ url }: { url: string }): InboundConnector => ({
        consume: async (_onMessage, signal) => {
          let finish: () => void = () => {};
          const finished = new Promise<void>((resolve) => (finish = resolve));
          const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
          consumers.push({ inboundId: url, aborted, finish });
          consumerStarted();
          await aborted;
          await finished;
        },
      }),
    }),
  };
});

const inbound = (id: string, updatedAt: number) =>
  ({
    id,
    name: id,
    kind: "rabbitmq",
    target: id,
    config: {},
    secretSealed: null,
    active: true,
    updatedAt: new Date(updatedAt),
  }) as unknown as Inbound;

/** Deps whose inbounds list answers only when the test releases each read, in order. */
function heldDeps() {
  const reads: ((rows: Inbound[]) => void)[] = [];
  let asked: () => void = () => {};
  const db = {
    select: () => ({
      from: () => ({
        orderBy: () =>
          new Promise<Inbound[]>((resolve) => {
            reads.push(resolve);
            asked();
          }),
      }),
    }),
  };
  const deps = { db, log: silentLogger, connections: {} } as unknown as Deps;
  return {
    deps,
    /** Waits for the supervisor's next read of the list and answers it with these rows. */
    async answer(rows: Inbound[]) {
      if (reads.length === 0) await new Promise<void>((resolve) => (asked = resolve));
      reads.shift()!(rows);
    },
  };
}

const nextConsumer = () => new Promise<void>((resolve) => (consumerStarted = resolve));
// Every microtask queued so far, and every one those queue, runs before this.
const drain = () => new Promise((resolve) => setImmediate(resolve));

describe("the inbound supervisor", () => {
  it("starts no consumer when stopped while it was reading the list of inbounds", async () => {
    consumers.length = 0;
    const held = heldDeps();
    const supervisor = startInbounds({ deps: held.deps, everyMs: 1 });
    // The first read is asked for at once: stop while it is still unanswered, then answer it.
    const stopping = supervisor.stop();
    await held.answer([inbound("late", 1)]);
    await stopping;
    await drain();
    expect(consumers).toEqual([]);
  });

  it("waits, when stopped, for consumers it retired because their inbound changed", async () => {
    consumers.length = 0;
    const held = heldDeps();
    const supervisor = startInbounds({ deps: held.deps, everyMs: 1 });
    let started = nextConsumer();
    await held.answer([inbound("changing", 1)]);
    await started;
    started = nextConsumer();
    await held.answer([inbound("changing", 2)]);
    await started;
    const [first, second] = consumers;
    expect(consumers.map((c) => c.inboundId)).toEqual(["changing", "changing"]);
    await first!.aborted;

    let done = false;
    const stopping = supervisor.stop().then(() => (done = true));
    await second!.aborted;
    second!.finish();
    await drain();
    // The retired consumer is still recording its last batch: stop must not have returned yet.
    expect(done).toBe(false);
    first!.finish();
    await stopping;
    expect(done).toBe(true);
  });
});
