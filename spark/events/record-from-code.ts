import type { Deps } from "../deps";
import { ingestEvents, INGEST_LIMITS, type IngestResult } from "../producers/ingest";
import type { EventInput } from "./input";

/** An event recorded by code: `{ group, key, context?, aggregate? }`, the ingest API's shape. */
export type CodeEvent = EventInput;

const CODE_SOURCE = /^code:[A-Za-z0-9_-]{1,100}$/;

/**
 * Records events from TypeScript running in Spark's process — django-spark's
 * `process_events(only_new_events(events))`, or a generator without a model. It is the ingest API
 * (`POST /api/events`) without HTTP, so it keeps the same promises: each item is checked like an API
 * item and fails alone (`invalid`); a key recorded before is `duplicate` and changes nothing, so a
 * caller may always send again; a new event runs the registered handlers and queues its mail
 * (templates, or its own `spark_mail`) in the transaction that records it (`recorded`), and one whose
 * handler throws is not recorded (`failed`); aggregates get the next versions, all of a call's items
 * of one aggregate or none. `source` (`code:<name>`) is the origin the event log and the metrics show.
 * At most 1,000 events per call, one transaction each: call again with the rest.
 */
export async function recordEventsFromCode(
  deps: Deps,
  { events, source }: { events: readonly CodeEvent[]; source: string },
): Promise<IngestResult[]> {
  if (!CODE_SOURCE.test(source))
    throw new Error(`The source ${JSON.stringify(source)} is not code:<name> (letters, digits, _ and -, at most 100).`);
  if (events.length > INGEST_LIMITS.events)
    throw new RangeError(
      `${events.length} events in one call; record at most ${INGEST_LIMITS.events} at a time, one transaction each.`,
    );
  if (events.length === 0) return [];
  return ingestEvents(deps, { items: [...events], source });
}
