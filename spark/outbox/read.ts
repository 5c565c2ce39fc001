import { saveOutboxProgress } from "@/db/queries/outbox-sources";
import type { GeneratorCounts, JobError, JobSummary, OutboxSource } from "@/db/schema";
import type { SourceConnection } from "../connections/types";
import type { Deps } from "../deps";
import type { Handler } from "../events/handlers";
import { recordEvents, type NewEvent } from "../events/record";
import { advance, cap, expire, fill, GAP_HORIZON_MS, MAX_GAPS, reopen, type OutboxGap } from "./gaps";
import { columnsOf } from "./outbox-sources";
import { outboxColumnsOf, outboxTable, parseOutboxRow, readMore, readStatement, type OutboxTable } from "./table";

export const outboxSourceRef = (id: string) => `outbox:${id}`;

/** Gap ranges per statement when they are re-read: each is two parameters in an OR list. */
const RANGES_PER_READ = 100;

export type OutboxPassInput = {
  handlers: readonly Handler[];
  matcher: (group: string) => Handler[];
  jobRunId?: number | null;
  signal?: AbortSignal;
  onBatch?: (batch: { candidates: number; recorded: number; seen: number }) => Promise<void>;
  /** How long a missing id is waited for; GAP_HORIZON_MS unless a test moves it. */
  horizonMs?: number;
  maxGaps?: number;
};

export type OutboxPassResult = {
  /** The source's figures in the shape of a generator's, so a run's totals and pages count them alike. */
  counts: GeneratorCounts;
  groups: JobSummary["groups"];
  errors: JobError[];
};

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A stop that is not an error of the table: the source was edited (or deleted) while the pass read it. */
class SourceMoved extends Error {}

type Position = { checkpoint: number; gaps: OutboxGap[] };

/**
 * One pass over an outbox source. First the gaps (ids below the checkpoint that were missing when
 * read) are read again, and rows that showed up are recorded; gaps older than the horizon are given up.
 * Then the rows above the checkpoint, in id order, a batch at a time: each batch is recorded, then the
 * checkpoint moves to its highest id and every id skipped on the way becomes a gap, saved in Spark's
 * database. A crash between the two reads the batch again, and its keys are simply seen.
 *
 * A row that is not a valid event is skipped with an error naming its id; a row whose handler threw is
 * read again next pass (its id becomes a gap), as a generator's candidate would be. A source that cannot
 * be read fails alone: its error goes on the job run and on the source, and what it recorded stays.
 */
export async function readOutboxSource(
  deps: Deps,
  source: OutboxSource,
  input: OutboxPassInput,
): Promise<OutboxPassResult> {
  const where = `outbox source ${source.name}`;
  const counts: GeneratorCounts = {
    id: source.id,
    name: source.name,
    group: "",
    source: outboxSourceRef(source.id),
    candidates: 0,
    passed: 0,
    recorded: 0,
    seen: 0,
    failed: 0,
  };
  const state: PassState = {
    counts,
    groups: {},
    errors: [],
    skipped: [],
    notes: [],
    where,
    position: { checkpoint: Number(source.checkpoint), gaps: [...source.gaps] },
  };
  const save = async (lastError: string | null, read: boolean) => {
    const saved = await saveOutboxProgress(deps.db, {
      id: source.id,
      connectionId: source.connectionId,
      tableName: source.tableName,
      checkpoint: state.position.checkpoint,
      gaps: state.position.gaps,
      readAt: read ? deps.clock() : null,
      lastError,
    });
    if (!saved) throw new SourceMoved();
  };
  try {
    const connection = await deps.connections.open(source.connectionId);
    // The spelling of the group and key columns is read each pass: a table may be rebuilt between them.
    const named = outboxTable(connection.kind, source.tableName);
    const spelled = outboxColumnsOf(new Set((await columnsOf(connection, named)).map((c) => c.name)));
    const table = spelled.ok ? outboxTable(connection.kind, source.tableName, spelled) : named;
    await passOver(deps, source, input, state, { connection, table, save: () => save(null, true) });
    const { notes, skipped } = state;
    const summary = [
      ...notes,
      ...(skipped.length > 0
        ? [`Skipped ${skipped.length} row${skipped.length === 1 ? "" : "s"} in the last pass; the first: ${skipped[0]}`]
        : []),
    ];
    // Written even when nothing was new: the page shows when the table was last read, and an old error goes.
    await save(summary.join(" ") || null, true);
  } catch (error) {
    if (error instanceof SourceMoved) return { counts, groups: state.groups, errors: state.errors };
    const message = `Cannot read ${source.tableName}: ${messageOf(error)}`;
    counts.error = message;
    state.errors.push({ where, message });
    deps.log.warn("outbox source failed", { source: source.name, error: message });
    // The position reached before the failure is kept: those batches are recorded.
    await save(message, false).catch(() => {});
  }
  return { counts, groups: state.groups, errors: state.errors };
}

type PassState = {
  counts: GeneratorCounts;
  groups: JobSummary["groups"];
  errors: JobError[];
  skipped: string[];
  notes: string[];
  where: string;
  position: Position;
};

async function passOver(
  deps: Deps,
  source: OutboxSource,
  input: OutboxPassInput,
  state: PassState,
  { connection, table, save }: { connection: SourceConnection; table: OutboxTable; save: () => Promise<void> },
) {
  const { counts, groups, errors, skipped, notes, where } = state;
  const limit = Math.max(1, deps.settings.batchSize);
  const maxGaps = input.maxGaps ?? MAX_GAPS;
  const now = deps.clock();
  const seenAt = now.toISOString();
  const ref = outboxSourceRef(source.id);

  const read = async (after: number, ranges: OutboxGap[] | null) => {
    const statement = readStatement(table, { after, ranges, limit });
    const batch = await connection.query(statement.text, statement.params);
    return { rows: batch.rows, more: readMore(batch.rows, limit) };
  };

  /** Records one read's rows; answers the ids read and those whose handlers failed. */
  const record = async (rows: Record<string, unknown>[]) => {
    const ids: number[] = [];
    const events: NewEvent[] = [];
    const idOfKey = new Map<string, number>();
    let repeated = 0;
    for (const raw of rows) {
      const row = parseOutboxRow(raw);
      ids.push(row.id);
      counts.candidates++;
      if (!row.event) {
        const message = `Row id ${row.id} skipped: ${row.problem}`;
        skipped.push(message);
        errors.push({ where, message });
        continue;
      }
      counts.passed++;
      // The same key twice in one read: the first row is the event, the others are seen, as across reads.
      if (idOfKey.has(row.event.key)) {
        repeated++;
        continue;
      }
      idOfKey.set(row.event.key, row.id);
      events.push({ ...row.event, generatorId: null, source: ref });
    }
    const outcome = await recordEvents(deps, {
      events,
      handlers: input.handlers,
      jobRunId: input.jobRunId ?? null,
      matcher: input.matcher,
    });
    const recorded = new Set(outcome.recorded.map((e) => e.key));
    const failed = new Set(outcome.failed.map((f) => f.key));
    for (const event of events) {
      const tally = (groups[event.group] ??= { recorded: 0, seen: 0 });
      if (recorded.has(event.key)) {
        counts.recorded++;
        tally.recorded++;
      } else if (failed.has(event.key)) counts.failed++;
      else {
        counts.seen++;
        tally.seen++;
      }
    }
    counts.seen += repeated;
    for (const f of outcome.failed) errors.push({ where: `handler ${f.handler}`, key: f.key, message: f.message });
    await input.onBatch?.({
      candidates: rows.length,
      recorded: outcome.recorded.length,
      seen: outcome.seen + repeated,
    });
    return { ids, failedIds: [...failed].map((key) => idOfKey.get(key)!) };
  };

  // Ids that were missing below the checkpoint: a transaction that was open then may have committed since.
  if (state.position.gaps.length > 0) {
    const found: number[] = [];
    const retry: number[] = [];
    const sorted = [...state.position.gaps].sort((a, b) => a.from - b.from);
    for (let i = 0; i < sorted.length && !input.signal?.aborted; i += RANGES_PER_READ) {
      const ranges = sorted.slice(i, i + RANGES_PER_READ);
      let after = ranges[0]!.from - 1;
      for (;;) {
        const { rows, more } = await read(after, ranges);
        if (rows.length === 0) break;
        const { ids, failedIds } = await record(rows);
        found.push(...ids);
        retry.push(...failedIds);
        after = ids[ids.length - 1]!;
        if (!more || input.signal?.aborted) break;
      }
    }
    state.position = { ...state.position, gaps: reopen(fill(state.position.gaps, found), retry, seenAt) };
  }
  // Given up only after this last look, so a row that committed just before the horizon is still recorded.
  const { kept, expired } = expire(state.position.gaps, now, input.horizonMs ?? GAP_HORIZON_MS);
  if (expired.length > 0)
    deps.log.warn("outbox gap expired", {
      source: source.name,
      ids: expired.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(", "),
      reason:
        "no row appeared with these ids within the horizon: a rolled-back insert, a sequence jump, or a transaction open longer than that",
    });
  state.position = { ...state.position, gaps: kept };
  await save();

  while (!input.signal?.aborted) {
    const { rows, more } = await read(state.position.checkpoint, null);
    if (rows.length === 0) break;
    const { ids, failedIds } = await record(rows);
    const advanced = advance(state.position, ids, seenAt);
    const capped = cap(reopen(advanced.gaps, failedIds, seenAt), maxGaps);
    if (capped.merged > 0) {
      const note = `More than ${maxGaps} gaps were open; the closest were merged, and the rows between them are read again (and seen) until the merged gaps expire.`;
      if (!notes.includes(note)) notes.push(note);
      deps.log.warn("outbox gaps merged", { source: source.name, merged: capped.merged });
    }
    state.position = { checkpoint: advanced.checkpoint, gaps: capped.gaps };
    await save();
    if (!more) break;
  }
}
