import { deleteEventsByIds, insertNewEvents, type NewEvent } from "@/db/queries/events";
import type { Tx } from "@/db/client";
import type { Deps } from "../deps";
import { originOf } from "./origin";
import type { Handler, RecordedEvent } from "./handlers";
import { createHandlerMatcher } from "./handlers";

export type { NewEvent };
export type RecordOutcome = {
  recorded: RecordedEvent[];
  seen: number;
  failed: { key: string; handler: string; message: string }[];
};

/**
 * Records a batch of events exactly once per key and runs the matching handlers on the new ones, in
 * the same transaction: an event is never marked seen while its effects are lost. A handler that throws
 * rolls back its event and that event's effects only; the event is tried again on the next run.
 */
export async function recordEvents(deps: Deps, input: RecordInput): Promise<RecordOutcome> {
  if (input.events.length === 0) return { recorded: [], seen: 0, failed: [] };
  return deps.db.transaction((tx) => recordEventsIn(tx, deps, input));
}

export type RecordInput = {
  events: NewEvent[];
  handlers: readonly Handler[];
  jobRunId?: number | null;
  matcher?: (group: string) => Handler[];
};

/** `recordEvents` inside a transaction the caller holds, for callers that must do more in it (stream appends). */
export async function recordEventsIn(
  tx: Tx,
  { clock, log, metrics }: Pick<Deps, "clock" | "log"> & Partial<Pick<Deps, "metrics">>,
  { events, handlers, jobRunId = null, matcher = createHandlerMatcher(handlers) }: RecordInput,
): Promise<RecordOutcome> {
  if (events.length === 0) return { recorded: [], seen: 0, failed: [] };
  const inserted = await insertNewEvents(tx, { events, jobRunId });
  const byKey = new Map(events.map((e) => [e.key, e]));
  const ctx = { clock, log, jobRunId };
  const failed: RecordOutcome["failed"] = [];
  const failedIds = new Set<number>();
  const fail = (event: RecordedEvent, handler: Handler, error: unknown) => {
    failed.push({
      key: event.key,
      handler: handler.name,
      message: error instanceof Error ? error.message : String(error),
    });
    failedIds.add(event.id);
  };
  const candidates: RecordedEvent[] = inserted.map(({ id, key }) => {
    const event = byKey.get(key)!;
    return { id, group: event.group, key, context: event.context };
  });
  // An event whose handlers all take batches is handled with its batch below. Any other runs its
  // handlers in order, in a savepoint of its own: one that throws undoes that event's effects only.
  const batched = new Map<Handler, RecordedEvent[]>();
  for (const record of candidates) {
    const matched = matcher(record.group);
    if (matched.length === 0) continue;
    if (matched.every((h) => h.handleBatch)) {
      for (const h of matched) {
        const mine = batched.get(h);
        if (mine) mine.push(record);
        else batched.set(h, [record]);
      }
      continue;
    }
    let current = matched[0]!;
    try {
      await tx.transaction(async (savepoint) => {
        for (const handler of matched) {
          current = handler;
          if (handler.handleBatch) await handler.handleBatch([record], { ...ctx, tx: savepoint });
          else await handler.handle(record, { ...ctx, tx: savepoint });
        }
      });
    } catch (error) {
      fail(record, current, error);
    }
  }
  if (batched.size > 0) {
    // In registration order, whichever event happened to meet a handler first (django-spark runs an
    // event's handlers in the order they were registered).
    const order = new Map(handlers.map((h, i) => [h, i]));
    const inOrder = [...batched.keys()].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    try {
      await tx.transaction(async (savepoint) => {
        for (const handler of inOrder) await handler.handleBatch!(batched.get(handler)!, { ...ctx, tx: savepoint });
      });
    } catch {
      // Something in the batch spoiled it: handle each of its events alone, so only the bad one fails.
      const alone = [...new Set(inOrder.flatMap((h) => batched.get(h)!))].sort((a, b) => a.id - b.id);
      for (const record of alone) {
        const mine = inOrder.filter((h) => batched.get(h)!.includes(record));
        let current = mine[0]!;
        try {
          await tx.transaction(async (savepoint) => {
            for (const handler of mine) {
              current = handler;
              await handler.handleBatch!([record], { ...ctx, tx: savepoint });
            }
          });
        } catch (error) {
          fail(record, current, error);
        }
      }
    }
  }
  await deleteEventsByIds(tx, { ids: [...failedIds] });
  const recorded = candidates.filter((e) => !failedIds.has(e.id));
  // Counted when the statement succeeded; a transaction rolled back later over-counts, which a
  // counter of work done tolerates better than missing what committed.
  if (metrics && recorded.length > 0) {
    const tally = new Map<string, { group: string; origin: string; n: number }>();
    for (const event of recorded) {
      const origin = originOf(byKey.get(event.key)!.source);
      const name = `${event.group}\u001f${origin}`;
      const entry = tally.get(name) ?? { group: event.group, origin, n: 0 };
      entry.n++;
      tally.set(name, entry);
    }
    for (const { group, origin, n } of tally.values()) metrics.eventsRecorded.inc({ group, origin }, n);
  }
  return { recorded, seen: events.length - inserted.length, failed };
}
