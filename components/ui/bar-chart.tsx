import { formatNumber } from "./format";

// Dates on the axis, in UTC like the buckets themselves: an hour alone ("07:00") left a reader unsure
// which end was today, and whether the chart ran forwards or back.
const hourLabel = new Intl.DateTimeFormat("en", {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});
const dayLabel = new Intl.DateTimeFormat("en", { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" });

/** A bucket's start as the axis and the bars' titles show it: "Dec 1, 07:00" for an hour, "Mon, Dec 1" for a day. */
export const formatBucket = (at: Date, bucket: "hour" | "day") => (bucket === "hour" ? hourLabel : dayLabel).format(at);

/**
 * Small bars for counts over time, oldest on the left. Each bar carries its figure in a title and the
 * whole chart a text summary, so the numbers are there for a screen reader and on hover; the axis
 * names the first, middle and last buckets with their dates.
 */
export function BarChart({
  data,
  label,
  bucket,
}: {
  data: { at: Date; count: number }[];
  label: string;
  bucket: "hour" | "day";
}) {
  const sorted = [...data].sort((a, b) => a.at.getTime() - b.at.getTime());
  const max = Math.max(1, ...sorted.map((d) => d.count));
  const total = sorted.reduce((n, d) => n + d.count, 0);
  const ticks = sorted.length === 0 ? [] : [...new Set([0, Math.floor((sorted.length - 1) / 2), sorted.length - 1])];
  return (
    <figure>
      <div role="img" aria-label={`${label}: ${formatNumber(total)} in all`} className="flex h-20 items-end gap-px">
        {sorted.map((d) => (
          <div
            key={d.at.toISOString()}
            title={`${formatBucket(d.at, bucket)}: ${formatNumber(d.count)}`}
            className="flex h-full flex-1 items-end bg-zinc-50"
          >
            <div
              className={`w-full ${d.count > 0 ? "bg-spark-500" : ""}`}
              style={{ height: `${d.count === 0 ? 0 : Math.max(4, Math.round((d.count / max) * 100))}%` }}
            />
          </div>
        ))}
      </div>
      <figcaption className="mt-1 flex justify-between gap-2 text-xs text-zinc-500">
        {ticks.map((i) => (
          <time key={i} dateTime={sorted[i]!.at.toISOString()} className="whitespace-nowrap">
            {formatBucket(sorted[i]!.at, bucket)}
          </time>
        ))}
      </figcaption>
    </figure>
  );
}
