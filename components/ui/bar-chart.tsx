import { formatNumber } from "./format";

/**
 * Small bars for counts over time. Each bar carries its figure in a title and the whole chart a text
 * summary, so the numbers are there for a screen reader and on hover.
 */
export function BarChart({
  data,
  label,
  formatAt,
}: {
  data: { at: Date; count: number }[];
  label: string;
  formatAt: (at: Date) => string;
}) {
  const max = Math.max(1, ...data.map((d) => d.count));
  const total = data.reduce((n, d) => n + d.count, 0);
  return (
    <figure>
      <div role="img" aria-label={`${label}: ${formatNumber(total)} in all`} className="flex h-20 items-end gap-px">
        {data.map((d) => (
          <div
            key={d.at.toISOString()}
            title={`${formatAt(d.at)}: ${formatNumber(d.count)}`}
            className="flex h-full flex-1 items-end bg-zinc-50"
          >
            <div
              className={`w-full ${d.count > 0 ? "bg-spark-500" : ""}`}
              style={{ height: `${d.count === 0 ? 0 : Math.max(4, Math.round((d.count / max) * 100))}%` }}
            />
          </div>
        ))}
      </div>
      <figcaption className="mt-1 flex justify-between text-xs text-zinc-500">
        <span>{data[0] ? formatAt(data[0].at) : ""}</span>
        <span>{data.at(-1) ? formatAt(data.at(-1)!.at) : ""}</span>
      </figcaption>
    </figure>
  );
}
