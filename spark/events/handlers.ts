import type { Tx } from "@/db/client";
import type { Logger } from "../logger";

export type RecordedEvent = { id: number; group: string; key: string; context: Record<string, unknown> };
export type HandlerContext = { tx: Tx; clock: () => Date; log: Logger; jobRunId: number | null };

/**
 * Reacts to new events whose group matches `group`: a RegExp, or a string read as one. Matching is
 * unanchored, like Python's re.search, so "challenge" matches "challenge_created".
 */
export type Handler = {
  name: string;
  group: RegExp | string;
  handle(event: RecordedEvent, ctx: HandlerContext): Promise<void> | void;
  /**
   * Optional: the same effects for many events at once, in the batch's transaction. Recording then
   * runs it once per batch instead of once per event (in a savepoint each), after the per-event
   * handlers; if it throws, each event is handled alone so one bad event fails by itself.
   */
  handleBatch?(events: RecordedEvent[], ctx: HandlerContext): Promise<void>;
};

function patternOf(group: RegExp | string): RegExp {
  // A global or sticky RegExp remembers lastIndex between test() calls; matching must not.
  return typeof group === "string" ? new RegExp(group) : new RegExp(group.source, group.flags.replace(/[gy]/g, ""));
}

/**
 * Refuses, naming the handler, a group pattern JavaScript cannot compile — typically one carried over
 * from django-spark, where Python spells a named group `(?P<name>…)` — so a bad registration stops the
 * start with a clear message instead of failing every pass.
 */
export function checkHandlers(handlers: readonly Handler[]): void {
  const names = new Set<string>();
  for (const handler of handlers) {
    if (names.has(handler.name)) throw new Error(`Two handlers are named "${handler.name}"; give each its own name.`);
    names.add(handler.name);
    try {
      patternOf(handler.group);
    } catch (error) {
      const python = typeof handler.group === "string" && /\(\?P[<=]/.test(handler.group);
      throw new Error(
        `The handler "${handler.name}" has a group pattern JavaScript cannot read, ${JSON.stringify(String(handler.group))}: ${(error as Error).message}.${python ? " Python's (?P<name>…) is written (?<name>…) in JavaScript, and (?P=name) is \\k<name>." : ""}`,
      );
    }
  }
}

/** The handlers for each group, in registration order, worked out once per group. */
export function createHandlerMatcher(handlers: readonly Handler[]): (group: string) => Handler[] {
  const compiled = handlers.map((handler) => ({ handler, pattern: patternOf(handler.group) }));
  const cache = new Map<string, Handler[]>();
  return (group) => {
    let matched = cache.get(group);
    if (!matched) {
      matched = compiled.filter(({ pattern }) => pattern.test(group)).map(({ handler }) => handler);
      cache.set(group, matched);
    }
    return matched;
  };
}
