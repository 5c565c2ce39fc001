/** How often the scheduler runs a pass, and when the next one is due (null while one runs). */
export type PassSchedule = { everySeconds: number; nextAt: string | null };

/** When an active generator is run next: the scheduler's next pass, or, with it off, whatever starts one. */
export function describeNextPass({ everySeconds, nextAt }: PassSchedule): string {
  if (everySeconds === 0)
    return "The scheduler is off (SPARK_SCHEDULE_SECONDS=0): the next pass from cron (POST /api/jobs/run), npm run job or Run now runs it.";
  const every = everySeconds === 1 ? "every second" : `every ${everySeconds} seconds`;
  const next = nextAt
    ? `the next is due at ${nextAt.slice(11, 19)} UTC`
    : `a pass is running now and the next starts ${everySeconds} seconds after it ends`;
  return `Once saved, the next scheduled pass runs it and records its events: passes run ${every}; ${next}.`;
}
