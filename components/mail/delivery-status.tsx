import { Badge } from "@/components/ui/badge";
import type { DeliveryStatus } from "@/spark/types";

const tones = {
  queued: "neutral",
  sending: "orange",
  sent: "green",
  failed: "amber",
  dead: "red",
  skipped: "neutral",
} as const;

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return <Badge tone={tones[status]}>{status}</Badge>;
}

/** An event's deliveries in a line of badges: "2 sent", "1 dead", "1 skipped"; nothing when it sent no mail. */
export function DeliverySummary({ counts }: { counts: Partial<Record<DeliveryStatus, number>> }) {
  const entries = (Object.keys(tones) as DeliveryStatus[]).filter((s) => counts[s]);
  if (entries.length === 0) return <span className="text-zinc-400">no mail</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {entries.map((s) => (
        <Badge key={s} tone={tones[s]}>
          {counts[s]} {s}
        </Badge>
      ))}
    </span>
  );
}
