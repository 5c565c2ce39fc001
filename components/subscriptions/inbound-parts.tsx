import { Badge } from "@/components/ui/badge";
import { formatNumber } from "@/components/ui/format";

const kindLabel = { rabbitmq: "RabbitMQ", nats: "NATS JetStream" } as const;

export function InboundKind({ kind }: { kind: "rabbitmq" | "nats" }) {
  return <Badge tone={kind === "rabbitmq" ? "orange" : "neutral"}>{kindLabel[kind]}</Badge>;
}

export function InboundState({ active }: { active: boolean }) {
  return <Badge tone={active ? "green" : "neutral"}>{active ? "active" : "paused"}</Badge>;
}

/** Recorded, then what did not become a new event: duplicates (acknowledged) and refusals (dead-lettered). */
export function InboundCounts({
  inbound,
}: {
  inbound: { recorded: number; duplicates: number; rejected: number; received: number };
}) {
  return (
    <span className="whitespace-nowrap tabular-nums">
      {formatNumber(inbound.recorded)} recorded
      <span className="block text-xs text-zinc-500">{formatNumber(inbound.duplicates)} duplicate</span>
      <span className={`block text-xs ${inbound.rejected > 0 ? "text-red-700" : "text-zinc-500"}`}>
        {formatNumber(inbound.rejected)} rejected
      </span>
    </span>
  );
}
