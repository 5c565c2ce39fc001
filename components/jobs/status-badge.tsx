import { Badge } from "@/components/ui/badge";
import type { JobStatus } from "@/spark/types";

const tones = { ok: "green", error: "red", running: "orange", skipped: "amber" } as const;

export function StatusBadge({ status }: { status: JobStatus }) {
  return <Badge tone={tones[status]}>{status}</Badge>;
}
