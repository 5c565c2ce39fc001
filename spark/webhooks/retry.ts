const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Waits between attempts, as Svix spaces them: quick enough for a blip, patient enough for an outage. */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

// Spread so that an endpoint's failures during one outage do not all come back in the same second.
const JITTER = 0.2;

/**
 * The wait before attempt `attempt + 1`, after `attempt` attempts failed: the schedule's step within
 * ±20 %, and its last step again for every attempt beyond it. Before the first attempt there is no wait.
 */
export function webhookRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  if (!(attempt >= 1)) return 0;
  const schedule = WEBHOOK_RETRY_SCHEDULE_MS;
  const step = schedule[Math.min(Math.floor(attempt), schedule.length) - 1]!;
  const r = Math.min(1, Math.max(0, random() || 0));
  return Math.max(0, Math.round(step * (1 - JITTER + 2 * JITTER * r)));
}
