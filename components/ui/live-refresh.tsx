"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Re-renders the server page every `everyMs` while `active`: a running job's page follows it. */
export function LiveRefresh({ active, everyMs = 1500 }: { active: boolean; everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs, router]);
  return active ? (
    <span className="inline-flex items-center gap-1.5 text-xs text-zinc-500" role="status">
      <span className="size-2 animate-pulse rounded-full bg-spark-500" aria-hidden />
      updating live
    </span>
  ) : null;
}
