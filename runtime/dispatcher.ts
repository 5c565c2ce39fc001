import { hostname } from "node:os";
import type { Database } from "../db/client";
import type { Deps } from "../spark/deps";
import { describeError } from "../spark/logger";
import { runSubscriptions } from "../spark/subscriptions/dispatch";

export type Dispatcher = {
  /**
   * Settles once a notification would wake the dispatcher: the LISTEN is in place, or it failed and
   * polling is all there is, or the dispatcher was stopped first. It never rejects.
   */
  listening: Promise<void>;
  stop(): Promise<void>;
};

/** This process's name as a subscription's reader: which instance holds a lease, for the operator. */
export const dispatcherHolder = () => `${hostname()}:${process.pid}`;

/** The channel the events table notifies on after every inserting statement (migration 0014). */
export const EVENTS_CHANNEL = "spark_events";

/**
 * Hands new events to every active subscription, over and over: at once when events commit (the
 * database notifies `listen`'s channel), at once again while there was work, and after `idleMs` as a
 * safety net when a notification was lost. Several instances may run it; each subscription's lease
 * keeps one reader at a time. `stop` lets the current event finish, releases the leases and resolves.
 */
export function startDispatcher({
  deps,
  listen,
  holder = dispatcherHolder(),
  idleMs = 1_000,
}: {
  deps: Deps;
  listen?: Database["listen"];
  holder?: string;
  idleMs?: number;
}): Dispatcher {
  const stopping = new AbortController();
  let wake: (() => void) | null = null;
  // A notification that arrives during a round asks for another round right after it.
  let notified = false;
  const unlisten = listen
    ? listen(EVENTS_CHANNEL, () => {
        notified = true;
        wake?.();
      }).catch((error: unknown) => {
        deps.log.warn("listening for new events failed; subscriptions poll instead", { error: describeError(error) });
        return null;
      })
    : Promise.resolve(null);
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      notified = false;
      let busy = false;
      try {
        const outcomes = await runSubscriptions(deps, { holder, signal: stopping.signal });
        busy = Object.values(outcomes).some((o) => "delivered" in o && o.delivered + o.failed + o.parked > 0);
      } catch (error) {
        deps.log.error("subscriptions round failed", { error: describeError(error) });
      }
      if (busy || notified || stopping.signal.aborted) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        timer.unref();
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })();
  return {
    // Stopping settles it too, so nobody waits on a subscription that a stopped dispatcher no longer needs.
    listening: Promise.race([
      unlisten,
      new Promise((resolve) => stopping.signal.addEventListener("abort", resolve, { once: true })),
    ]).then(() => {}),
    async stop() {
      stopping.abort();
      wake?.();
      await loop;
      await (await unlisten)?.().catch(() => {});
    },
  };
}
