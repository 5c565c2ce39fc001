const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts (at once if it already has) and answers a function that
 * forgets it. A relay keeps hundreds of publishes awaiting their confirms, each watching the round's stop
 * signal, and EventTarget's addEventListener compares a new listener with every one already there: so a
 * signal gets a single listener of its own here, and the publishes a set of callbacks behind it.
 */
export function onAbort(signal: AbortSignal | undefined, callback: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    callback();
    return () => {};
  }
  let callbacks = waiting.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    waiting.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        waiting.delete(signal);
        for (const call of set) {
          // One callback that throws must not leave the others waiting for their timeouts.
          try {
            call();
          } catch {
            // Its own publish settles by its timeout, as it would have without a stop.
          }
        }
        set.clear();
      },
      { once: true },
    );
  }
  const registered = callbacks;
  registered.add(callback);
  return () => void registered.delete(callback);
}
