import type { ReactNode } from "react";
import { formatCount, formatNumber } from "@/components/ui/format";
import { relativeTime } from "@/components/ui/time-ago";

export type OutboxStatusView = {
  checkpoint: number;
  openGaps: number;
  gapIds: number;
  lastReadAt: Date | null;
  lastError: string | null;
};

const utc = (at: Date) => `${at.toISOString().slice(0, 19).replace("T", " ")} UTC`;

/** Where an outbox source has read to, what it still waits for, and how its last pass went. */
export function OutboxStatus({ status, now }: { status: OutboxStatusView; now: Date }) {
  const items: { term: string; value: ReactNode; tone?: "error" }[] = [
    { term: "Read up to id", value: <span className="font-mono">{formatNumber(status.checkpoint)}</span> },
    {
      term: "Waiting for",
      value:
        status.openGaps === 0
          ? "no missing ids"
          : `${formatCount(status.gapIds, "missing id")} in ${formatCount(status.openGaps, "range")}, re-read each pass for 10 minutes`,
    },
    {
      term: "Last read",
      value: status.lastReadAt ? (
        <>
          <time dateTime={status.lastReadAt.toISOString()}>{relativeTime(status.lastReadAt, now)}</time>{" "}
          <span className="text-zinc-500">({utc(status.lastReadAt)})</span>
        </>
      ) : (
        <span className="text-zinc-500">never</span>
      ),
    },
    ...(status.lastError ? [{ term: "Last error", value: status.lastError, tone: "error" as const }] : []),
  ];
  return (
    <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-xs">
      {items.map((item) => (
        <div key={item.term} className="contents">
          <dt className={item.tone === "error" ? "font-medium text-red-800" : "font-medium text-zinc-600"}>
            {item.term}
          </dt>
          <dd className={item.tone === "error" ? "break-words text-red-700" : "text-zinc-800"}>{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}
