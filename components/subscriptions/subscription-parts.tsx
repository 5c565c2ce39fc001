import { Badge } from "@/components/ui/badge";
import { formatNumber } from "@/components/ui/format";
import { TimeAgo } from "@/components/ui/time-ago";

const statusTone = { active: "green", paused: "neutral", disabled: "red" } as const;

export function SubscriptionStatus({
  status,
  reason,
}: {
  status: "active" | "paused" | "disabled";
  reason: string | null;
}) {
  return (
    <div className="min-w-0">
      <Badge tone={statusTone[status]}>{status}</Badge>
      {status === "disabled" && reason ? (
        <p className="mt-1 line-clamp-3 text-xs break-words text-red-800" title={reason}>
          {reason}
        </p>
      ) : null}
    </div>
  );
}

/** "12 s", "4 min", "2 h 5 min", "3 d 4 h": how far behind, at a glance. */
export function formatBehind(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** Events behind ("100,000+" past the count's cap) and how old the oldest of them is. */
export function Lag({ lag }: { lag: { events: number; capped: boolean; seconds: number | null } }) {
  if (lag.events === 0) return <span className="text-zinc-500">up to date</span>;
  return (
    <span>
      {formatNumber(lag.events)}
      {lag.capped ? "+" : ""} {lag.events === 1 && !lag.capped ? "event" : "events"}
      {lag.seconds !== null ? (
        <span className="block text-xs text-zinc-500">{formatBehind(lag.seconds)} behind</span>
      ) : null}
    </span>
  );
}

export function Destination({ kind, target }: { kind: string; target: string }) {
  return (
    <div className="min-w-0">
      <Badge tone={kind === "webhook" ? "orange" : "neutral"}>{kind}</Badge>
      <p className="mt-1 font-mono text-xs break-all text-zinc-700">{target}</p>
    </div>
  );
}

/** A long error cut to a few lines, the whole of it on hover. */
export function ErrorText({ error }: { error: string | null }) {
  if (!error) return <span className="text-zinc-400">none</span>;
  return (
    <p className="line-clamp-2 text-xs break-words text-red-800" title={error}>
      {error}
    </p>
  );
}

/** Relative, with the absolute UTC time under it: when an operator compares with a receiver's logs. */
export function When({ date, now }: { date: Date | null; now: Date }) {
  if (!date) return <span className="text-zinc-400">never</span>;
  const utc = `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return (
    <span>
      <TimeAgo date={date} now={now} />
      <span className="block text-xs whitespace-nowrap text-zinc-500">{utc}</span>
    </span>
  );
}
