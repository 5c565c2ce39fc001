import { deleteEventsByIds, insertNewEvents, type NewEvent } from "@/db/queries/events";
import type { Deps } from "../deps";
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
export async function recordEvents(
  { db, clock, log }: Deps,
  {
    events,
    handlers,
    jobRunId = null,
    matcher = createHandlerMatcher(handlers),
  }: {
    events: NewEvent[];
    handlers: readonly Handler[];
    jobRunId?: number | null;
    matcher?: (group: string) => Handler[];
  },
): Promise<RecordOutcome> {
  if (events.length === 0) return { recorded: [], seen: 0, failed: [] };
  return db.transaction(async (tx) => {
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
      const handlers = [...batched.keys()];
      try {
        await tx.transaction(async (savepoint) => {
          for (const handler of handlers) await handler.handleBatch!(batched.get(handler)!, { ...ctx, tx: savepoint });
        });
      } catch {
        // Something in the batch spoiled it: handle each of its events alone, so only the bad one fails.
        const alone = [...new Set(handlers.flatMap((h) => batched.get(h)!))].sort((a, b) => a.id - b.id);
        for (const record of alone) {
          const mine = handlers.filter((h) => batched.get(h)!.includes(record));
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
    return { recorded: candidates.filter((e) => !failedIds.has(e.id)), seen: events.length - inserted.length, failed };
  });
}
