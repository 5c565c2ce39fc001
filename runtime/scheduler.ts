import { describeError, type Logger } from "../spark/logger";

export type Scheduler = {
  nextAt(): Date | null;
  stop(): void;
  /** Settles once the pass under way, if any, has ended. */
  idle(): Promise<void>;
};

/**
 * Runs `pass` every `everySeconds`, never two at once in this process (other processes are kept apart
 * by the job lease). The first pass comes after `firstDelayMs`, so a starting server answers first.
 */
export function startScheduler({
  everySeconds,
  pass,
  log,
  firstDelayMs = 5_000,
}: {
  everySeconds: number;
  pass: () => Promise<unknown>;
  log: Logger;
  firstDelayMs?: number;
}): Scheduler {
  let timer: NodeJS.Timeout | null = null;
  let next: Date | null = null;
  let stopped = false;
  const schedule = (ms: number) => {
    next = new Date(Date.now() + ms);
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    next = null;
    running = (async () => {
      try {
        await pass();
      } catch (error) {
        log.error("scheduled pass failed", { error: describeError(error) });
      }
    })();
    await running;
    if (!stopped) schedule(everySeconds * 1000);
  };
  schedule(firstDelayMs);
  return {
    nextAt: () => next,
    stop: () => {
      stopped = true;
      next = null;
      if (timer) clearTimeout(timer);
    },
    idle: () => running,
  };
}
