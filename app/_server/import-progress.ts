import "server-only";

type Entry = { operatorId: string; line: string | null; at: number; stop: AbortController };
type Holder = { [PROGRESS]?: Map<string, Entry> };

// Server actions and route handlers are bundled apart, each with its own copy of this module: the
// imports under way must be one map per process, so it lives on globalThis.
const PROGRESS = Symbol.for("spark.import-progress");
const MAX_RUNS = 20;

function runs(): Map<string, Entry> {
  const holder = globalThis as Holder;
  return (holder[PROGRESS] ??= new Map());
}

/**
 * An import under way in this process, which the page that started it may ask about, or stop, by its
 * id. Answers the signal the import stops on.
 */
export function startImportProgress(runId: string, operatorId: string): AbortSignal {
  const map = runs();
  // A page that never asked again leaves its entry; the oldest go first.
  while (map.size >= MAX_RUNS) map.delete(map.keys().next().value!);
  const stop = new AbortController();
  map.set(runId, { operatorId, line: null, at: Date.now(), stop });
  return stop.signal;
}

/** Asks an import to stop at its next batch, for the operator who started it only; false when it is not running. */
export function stopImport(runId: string, operatorId: string): boolean {
  const entry = runs().get(runId);
  if (!entry || entry.operatorId !== operatorId) return false;
  entry.stop.abort();
  entry.line = "Stopping at the end of this batch…";
  return true;
}

export function updateImportProgress(runId: string, line: string) {
  const entry = runs().get(runId);
  if (entry) entry.line = line;
}

export function endImportProgress(runId: string) {
  runs().delete(runId);
}

/** Where an import stands, for the operator who started it only; null when it is not (or no longer) running. */
export function readImportProgress(runId: string, operatorId: string): string | null {
  const entry = runs().get(runId);
  return entry && entry.operatorId === operatorId ? entry.line : null;
}
