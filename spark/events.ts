import { deleteEventsByIds, insertNewEvents, type NewEvent } from "@/db/queries/events";
import type { Deps } from "./deps";
import type { Handler, RecordedEvent } from "./handlers";
import { createHandlerMatcher } from "./handlers";

export type { NewEvent };
export type RecordOutcome = { recorded: RecordedEvent[]; seen: number; failed: { key: string; handler: string; message: string }[] };

/**
 * Records a batch of events exactly once per key and runs the matching handlers on the new ones, in
 * the same transaction: an event is never marked seen while its effects are lost. A handler that throws
 * rolls back its event and that event's effects only; the event is tried again on the next run.
 */
export async function recordEvents(
  { db, clock, log }: Deps,
  { events, handlers, jobRunId = null, matcher = createHandlerMatcher(handlers) }: { events: NewEvent[]; handlers: readonly Handler[]; jobRunId?: number | null; matcher?: (group: string) => Handler[] },
): Promise<RecordOutcome> {
  if (events.length === 0) return { recorded: [], seen: 0, failed: [] };
  return db.transaction(async (tx) => {
    const inserted = await insertNewEvents(tx, { events, jobRunId });
    const byKey = new Map(events.map((e) => [e.key, e]));
    const recorded: RecordedEvent[] = [];
    const failed: RecordOutcome["failed"] = [];
    const failedIds: number[] = [];
    for (const { id, key } of inserted) {
      const event = byKey.get(key)!;
      const record: RecordedEvent = { id, group: event.group, key, context: event.context };
      const matched = matcher(event.group);
      if (matched.length > 0) {
        let current = matched[0]!;
        try {
          // A savepoint per event: a throwing handler undoes this event's effects and nothing else.
          await tx.transaction(async (savepoint) => {
            for (const handler of matched) {
              current = handler;
              await handler.handle(record, { tx: savepoint, clock, log, jobRunId });
            }
          });
        } catch (error) {
          failed.push({ key, handler: current.name, message: error instanceof Error ? error.message : String(error) });
          failedIds.push(id);
          continue;
        }
      }
      recorded.push(record);
    }
    await deleteEventsByIds(tx, { ids: failedIds });
    return { recorded, seen: events.length - inserted.length, failed };
  });
}
