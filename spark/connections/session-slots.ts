import { ConnectionError } from "./types";

/**
 * Sessions Spark holds at once on one database as one user. Every read opens its own session, so
 * without a cap a burst of Test queries could fill the application database's max_connections.
 */
export const MAX_SESSIONS_PER_TARGET = 4;

const slots = new Map<string, { used: number; waiting: (() => void)[] }>();

/** Waits (up to `waitMs`) for a free session on `target`; the answer releases it, once. */
export async function takeSessionSlot(target: string, waitMs: number): Promise<() => void> {
  let slot = slots.get(target);
  if (!slot) slots.set(target, (slot = { used: 0, waiting: [] }));
  const entry = slot;
  const deadline = Date.now() + waitMs;
  while (entry.used >= MAX_SESSIONS_PER_TARGET) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new ConnectionError(
        `Spark already holds ${MAX_SESSIONS_PER_TARGET} sessions on this database; try again when the other reads end.`,
      );
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const at = entry.waiting.indexOf(wake);
        if (at >= 0) entry.waiting.splice(at, 1);
        resolve();
      }, left);
      entry.waiting.push(wake);
    });
  }
  entry.used++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    entry.used--;
    entry.waiting.shift()?.();
  };
}
