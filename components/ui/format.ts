const numbers = new Intl.NumberFormat("en");

export const formatNumber = (n: number) => numbers.format(n);

/** "840 ms", "3.2 s", "4 min 05 s": short enough for a table cell, exact enough to compare runs. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** "1 event", "2 events", "1,204 rows": a count with its noun in the right number. */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`;
}
