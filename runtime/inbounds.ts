import type { Inbound } from "../db/schema";
import type { Deps } from "../spark/deps";
import { describeError } from "../spark/logger";
import { connectorFor, listInbounds } from "../spark/inbound/inbounds";
import { runInbound } from "../spark/inbound/run";

export type InboundSupervisor = { stop(): Promise<void> };

/**
 * Runs a consumer for every active inbound in this process, and keeps that true: every `everyMs` it
 * starts the ones switched on or changed and stops the ones switched off or deleted. A consumer that
 * fails (the broker went away) is noted on the inbound and started again at the next look.
 */
export function startInbounds({ deps, everyMs = 5_000 }: { deps: Deps; everyMs?: number }): InboundSupervisor {
  const running = new Map<string, { stamp: number; stop: AbortController; done: Promise<void> }>();
  // Consumers told to stop because their inbound changed or went away are still finishing their batch;
  // stop() waits for them as it does for the running ones.
  const retired = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const start = (inbound: Inbound) => {
    const opened = connectorFor(deps, inbound);
    const stop = new AbortController();
    const log = deps.log.child({ inboundId: inbound.id, inbound: inbound.name });
    const done = (async () => {
      if (!opened.ok) throw new Error(opened.error);
      log.info("inbound consumer started", { kind: inbound.kind, target: inbound.target });
      await runInbound({ ...deps, log }, { inbound, connector: opened.connector, signal: stop.signal });
      log.info("inbound consumer stopped");
    })().catch((error: unknown) => {
      log.error("inbound consumer failed", { error: describeError(error) });
    });
    running.set(inbound.id, { stamp: inbound.updatedAt.getTime(), stop, done });
    void done.then(() => {
      // Gone by itself (an error, the broker closing): the next look starts it again if still active.
      if (running.get(inbound.id)?.done === done) running.delete(inbound.id);
    });
  };
  const look = async () => {
    try {
      const listed = await listInbounds(deps);
      // stop() may have run while the list was read: whatever started now would never be stopped.
      if (stopped) return;
      const wanted = new Map(listed.filter((i) => i.active).map((i) => [i.id, i]));
      for (const [id, consumer] of running) {
        const inbound = wanted.get(id);
        if (!inbound || inbound.updatedAt.getTime() !== consumer.stamp) {
          consumer.stop.abort();
          running.delete(id);
          retired.add(consumer.done);
          void consumer.done.then(() => retired.delete(consumer.done));
        }
      }
      for (const inbound of wanted.values()) if (!running.has(inbound.id)) start(inbound);
    } catch (error) {
      deps.log.error("inbounds could not be listed", { error: describeError(error) });
    }
    if (!stopped) {
      timer = setTimeout(() => void look(), everyMs);
      timer.unref();
    }
  };
  void look();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const consumers = [...running.values()];
      running.clear();
      for (const consumer of consumers) consumer.stop.abort();
      await Promise.allSettled([...consumers.map((c) => c.done), ...retired]);
    },
  };
}
