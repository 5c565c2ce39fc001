import type { ApiEvent } from "../producers/read";

/**
 * A destination written in TypeScript, registered in extensions/index.ts: a subscription of kind "code"
 * names it and hands it the events of its pattern in commit order, at least once (an event can come
 * again after a crash, with the same id and key), retrying with backoff when `handle` throws.
 */
export type CodeSubscriber = {
  name: string;
  handle(event: ApiEvent): Promise<void> | void;
};
