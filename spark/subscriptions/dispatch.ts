import {
  listPublishedEventsByIds,
  readEventsInCommitOrder,
  type CommitPosition,
  type PublishedEvent,
} from "@/db/queries/event-streams";
import {
  deleteBacklog,
  findBlockingBacklog,
  findSubscriptionById,
  insertSubscriptionAttempts,
  listActiveSubscriptionIds,
  listDueBacklog,
  recordSubscriptionProgress,
  releaseSubscriptionLease,
  takeSubscriptionLease,
  upsertBacklog,
  type NewSubscriptionAttempt,
  type SubscriptionProgress,
} from "@/db/queries/subscriptions";
import type { Subscription } from "@/db/schema";
import type { Deps } from "../deps";
import { groupLikeOf, READ_LIMITS } from "../producers/read";
import { webhookRetryDelayMs } from "../webhooks/retry";
import { destinationOf, type HandOff } from "./destinations";

export type DispatchTally = { delivered: number; failed: number; parked: number };
export type RunOutcome = DispatchTally & {
  status: "ran" | "busy" | "inactive" | "waiting" | "disabled";
  /** The destination could not be reached: the round stopped at the checkpoint. */
  unreachable?: true;
};

const RESPONSE_LIMIT = 1024;
const SAVE_EVERY_MS = 250;
/**
 * Subscriptions whose destination could not be reached, until when this process's rounds leave them be:
 * new events would otherwise wake round after round that re-reads a page only to find it still down.
 */
const downUntil = new Map<string, number>();
const DOWN_PAUSE_MS = 1_000;

/** Hand-offs a pipelined destination (a broker channel) has awaiting their confirms at once. */
const PIPELINE_DEPTH = 512;
/** The contexts those hand-offs may hold at once: a window of 512 large events would be half a gigabyte. */
const WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * Hands a subscription's events to its destination, in commit order from its checkpoint, for as long as
 * there are events and the signal allows. The checkpoint moves only past events the destination took,
 * or — unless the destination wants strict order — past ones that failed, which wait in the backlog for
 * their next attempt on the retry schedule and are parked after the attempt limit. A strict destination
 * waits on its failing event instead. One holder at a time reads a subscription (a lease), so several
 * Spark instances can run this side by side.
 */
export async function runSubscription(
  deps: Deps,
  {
    id,
    holder,
    pageSize = 100,
    signal,
    random = Math.random,
    probe = false,
    windowBytes = WINDOW_BYTES,
  }: {
    id: string;
    holder: string;
    pageSize?: number;
    /** The contexts a pipelined destination's window may hold at once. */
    windowBytes?: number;
    signal?: AbortSignal;
    random?: () => number;
    /** The destination was unreachable last round: one hand-off tries it before several go at once. */
    probe?: boolean;
  },
): Promise<RunOutcome> {
  const tally: DispatchTally = { delivered: 0, failed: 0, parked: 0 };
  const leaseFor = () => {
    const now = deps.clock();
    return { now, until: new Date(now.getTime() + deps.settings.leaseMs) };
  };
  const found = await findSubscriptionById(deps.db, { id });
  if (!found || found.status !== "active") return { ...tally, status: "inactive" };
  const subscription = await takeSubscriptionLease(deps.db, { id, holder, ...leaseFor() });
  if (!subscription) return { ...tally, status: "busy" };

  const destination = destinationOf(deps, subscription);
  const attempts: NewSubscriptionAttempt[] = [];
  let progress: SubscriptionProgress = { delivered: 0 };
  let checkpoint = { tx: subscription.checkpointTx, id: subscription.checkpointId };
  let failingSince = subscription.failingSince;
  let status: RunOutcome["status"] = "ran";

  /** One attempt, logged; answers what came back, with the wait before the next one. */
  const attempt = async (event: PublishedEvent, number: number) => {
    const startedAt = deps.clock();
    const t0 = performance.now();
    let result: HandOff;
    try {
      result = await destination.handOff(event, { signal });
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    // What a destination answers is stored as text, which PostgreSQL cannot hold with a NUL in it.
    if (!result.ok) result = { ...result, error: result.error.replaceAll("\u0000", "\ufffd") };
    if (result.response?.includes("\u0000"))
      result = { ...result, response: result.response.replaceAll("\u0000", "\ufffd") };
    const durationMs = Math.round(performance.now() - t0);
    const at = deps.clock();
    // Cut short by a stop, not refused: the event goes out again from the checkpoint, and the destination
    // is not marked failing (a restart would otherwise log the whole window as failed attempts).
    if (!result.ok && signal?.aborted) return { result, next: at, parked: false, unavailable: true, stopped: true };
    if (result.ok) {
      failingSince = null;
      progress = { ...progress, failing: "cleared", lastDeliveredAt: at };
    } else {
      failingSince ??= at;
      progress = { ...progress, failing: "started", error: { message: result.error, at } };
    }
    const gone = !result.ok && result.gone === true;
    const outlived =
      failingSince !== null && at.getTime() - failingSince.getTime() >= deps.settings.subscriptionDisableAfterMs;
    if (gone || (!result.ok && outlived))
      progress.disabled = gone
        ? `The endpoint answered 410 Gone at ${at.toISOString()}: it asked to receive nothing more.`
        : `Every attempt failed for ${Math.round(deps.settings.subscriptionDisableAfterMs / 86_400_000)} days (since ${failingSince!.toISOString()}); the last error: ${result.ok ? "" : result.error}`;
    const retryAfter = result.ok ? null : (result.retryAfterMs ?? null);
    const wait = Math.max(webhookRetryDelayMs(number, random), retryAfter ?? 0);
    const unavailable = !result.ok && result.unavailable === true;
    // Waiting out an unreachable destination costs the event none of its attempts, so it never parks.
    const parked = !result.ok && !unavailable && !subscription.strictOrder && number >= subscription.attemptLimit;
    if (!result.ok && result.unavailable && result.attempted === false)
      return { result, next: at, parked: false, unavailable, stopped: false };
    if (!result.ok)
      deps.log.warn(parked ? "event parked after its last attempt" : "delivery attempt failed", {
        destination: subscription.name,
        kind: subscription.kind,
        eventKey: event.key,
        attempt: number,
        error: result.error,
        ...(result.status ? { statusCode: result.status } : {}),
      });
    if (progress.disabled && (gone || outlived)) deps.log.error("subscription disabled", { reason: progress.disabled });
    deps.metrics.destinationAttempts.inc({
      kind: subscription.kind,
      outcome: result.ok ? "delivered" : parked ? "parked" : "failed",
    });
    attempts.push({
      subscriptionId: subscription.id,
      eventId: event.id,
      attempt: number,
      startedAt,
      durationMs,
      outcome: result.ok ? "delivered" : parked ? "parked" : "failed",
      statusCode: result.status ?? null,
      response: result.response?.slice(0, RESPONSE_LIMIT) ?? null,
      error: result.ok ? null : result.error.slice(0, 2000),
    });
    if (result.ok) tally.delivered++;
    else if (parked) tally.parked++;
    // A round that only found the destination down is no work done: the dispatcher idles before the next.
    else if (!unavailable) tally.failed++;
    return { result, next: new Date(at.getTime() + wait), parked, unavailable, stopped: false };
  };

  let savedAt = performance.now();
  /** Writes the attempts and progress so far; false when the lease went to another holder meanwhile. */
  const save = async () => {
    savedAt = performance.now();
    // Taken at once: hand-offs settling while this writes belong to the next save.
    const logged = attempts.splice(0);
    const saved = { ...progress, checkpoint };
    progress = { delivered: 0, disabled: progress.disabled };
    await insertSubscriptionAttempts(deps.db, logged);
    const held = await recordSubscriptionProgress(deps.db, {
      id: subscription.id,
      holder,
      at: deps.clock(),
      progress: saved,
    });
    if (saved.disabled) status = "disabled";
    // Each save also renews the lease, so slow destinations keep it as long as they make progress.
    return (
      held && (status === "disabled" || (await takeSubscriptionLease(deps.db, { id, holder, ...leaseFor() })) !== null)
    );
  };
  // Saves during the round run beside the hand-offs (one at a time), so the window never waits on them.
  let saving: Promise<void> | null = null;
  let lost = false;
  let saveFailed: { error: unknown } | null = null;
  const saveSoon = () => {
    if (saving || performance.now() - savedAt < SAVE_EVERY_MS) return;
    saving = save().then(
      (held) => {
        if (!held) lost = true;
      },
      (error: unknown) => {
        saveFailed = { error };
      },
    );
    void saving.finally(() => (saving = null));
  };
  const saved = async () => {
    await saving;
    if (saveFailed) throw saveFailed.error;
    return !lost;
  };

  // The destination could not be reached: nothing more is tried this round.
  let down = false;
  let reachedDown = false;
  // A page read ahead while the previous one is handed on; settled before the round ends.
  let nextPage: ReturnType<typeof readPage> | null = null;
  const groupLike = subscription.groupPattern === "*" ? null : groupLikeOf(subscription.groupPattern);
  const readPage = async (after: CommitPosition, limit: number) => {
    const page = await readEventsInCommitOrder(deps.db, {
      after,
      groupLike,
      limit,
      scan: groupLike === null ? limit : Math.max(limit, READ_LIMITS.scan),
    });
    // A strict destination's failing event waits for its time before anything after it.
    const blocking = subscription.strictOrder
      ? await findBlockingBacklog(deps.db, { subscriptionId: subscription.id })
      : null;
    return { ...page, blocking };
  };
  // Every page read this round, so none is still running when it ends (a strict subscription's next
  // page is read ahead even when its failing event then turns out not to be due).
  const reads: Promise<unknown>[] = [];
  const readAhead = (after: CommitPosition, limit: number) => {
    const page = readPage(after, limit);
    // Its failure is met where it is awaited; until then it must not count as unhandled.
    page.catch(() => {});
    reads.push(page);
    return page;
  };
  type Slot =
    | { event: PublishedEvent; number: number; earlier: boolean; outcome: ReturnType<typeof attempt> }
    | { scannedTo: CommitPosition }
    | { notYet: true };
  const window: Slot[] = [];
  try {
    // Events that failed before and whose next attempt is due (strict destinations wait on theirs below).
    if (!subscription.strictOrder) {
      const due = await listDueBacklog(deps.db, {
        subscriptionId: subscription.id,
        now: deps.clock(),
        limit: pageSize,
      });
      const events = new Map(
        (await listPublishedEventsByIds(deps.db, { ids: due.map((d) => d.eventId) })).map((e) => [e.id, e]),
      );
      const done: number[] = [];
      for (const row of due) {
        if (signal?.aborted || progress.disabled) break;
        const event = events.get(row.eventId);
        // The event is gone (its recording was rolled back by a handler): nothing to hand on.
        if (!event) {
          done.push(row.eventId);
          continue;
        }
        const { result, next, parked, unavailable, stopped } = await attempt(event, row.attempts + 1);
        if (stopped) break;
        if (unavailable) {
          down = true;
          break;
        }
        if (result.ok) {
          done.push(row.eventId);
          progress.delivered++;
        } else
          await upsertBacklog(deps.db, {
            subscriptionId: subscription.id,
            eventId: row.eventId,
            attempts: row.attempts + 1,
            nextAttemptAt: next,
            lastError: result.error,
            parkedAt: parked ? deps.clock() : null,
          });
      }
      await deleteBacklog(deps.db, { subscriptionId: subscription.id, eventIds: done });
    }

    // After a round that found the destination down, one event probes it before the window opens again.
    let inFlight = destination.pipelined && !subscription.strictOrder && !probe ? PIPELINE_DEPTH : 1;
    // A pipelined destination takes pages the size of several windows: fewer reads per event.
    // (Also after a probe: the window opens as soon as the probe is taken.)
    const readSize =
      destination.pipelined && !subscription.strictOrder ? Math.max(pageSize, PIPELINE_DEPTH * 4) : pageSize;
    if (down) status = "waiting";
    else nextPage = readAhead(checkpoint, readSize);

    // One event at a time, or (a pipelined destination) up to `inFlight` started in commit order ahead of
    // the one being settled, across page ends: the checkpoint still moves one event at a time, in order.
    let current: { page: Awaited<ReturnType<typeof readPage>>; index: number } | null = null;
    let started = 0;
    let bytesInFlight = 0;
    const fill = async () => {
      // A full window refills once a quarter of it has settled, so publishes leave in bursts the broker
      // client writes together, rather than one socket write per settled confirm.
      if (started > inFlight - Math.max(1, inFlight >> 2)) return;
      // One page read a call: the loop between calls checks the stop signal and saves, however many
      // pages of other groups a rare pattern scans past.
      let read = false;
      while (started < inFlight && (current || nextPage)) {
        // Large events fill the window by their size: it holds at most `windowBytes` of contexts.
        if (started > 0 && bytesInFlight >= windowBytes) return;
        if (current && current.index < current.page.events.length) {
          const i = current.index++;
          const event = current.page.events[i]!;
          const blocking = current.page.blocking;
          const earlier = i === 0 && blocking?.eventId === event.id ? blocking : null;
          if (earlier && earlier.nextAttemptAt > deps.clock()) {
            window.push({ notYet: true });
            current = null;
            nextPage = null;
            return;
          }
          const number = (earlier?.attempts ?? 0) + 1;
          window.push({ event, number, earlier: earlier !== null, outcome: attempt(event, number) });
          started++;
          bytesInFlight += event.bytes ?? 0;
          continue;
        }
        if (current) {
          // Past a page's last match, the reader resumes where that page's scan ended.
          if (current.page.scannedTo) window.push({ scannedTo: current.page.scannedTo });
          current = null;
        }
        if (!nextPage || read) return;
        read = true;
        const page = await nextPage;
        // Nothing scanned: the reader is at the end of what has committed.
        nextPage = page.scannedTo === null ? null : readAhead(page.scannedTo, readSize);
        current = { page, index: 0 };
      }
    };
    for (;;) {
      if (progress.disabled || down || lost || saveFailed) break;
      // A stop starts nothing new, but what the destination already took still moves the checkpoint, so
      // fewer events go out again after a restart.
      if (!signal?.aborted) await fill();
      const slot = window.shift();
      if (!slot) break;
      if ("notYet" in slot) {
        status = "waiting";
        break;
      }
      if ("scannedTo" in slot) {
        checkpoint = slot.scannedTo;
        saveSoon();
        continue;
      }
      started--;
      const { event } = slot;
      bytesInFlight -= event.bytes ?? 0;
      const { result, next, parked, unavailable, stopped } = await slot.outcome;
      if (stopped) break;
      if (unavailable) {
        // The checkpoint stays before this event: it and what follows go out once the destination is back.
        status = "waiting";
        reachedDown = true;
        break;
      }
      if (result.ok) {
        progress.delivered++;
        progress.lastEventAt = event.createdAt;
        if (destination.pipelined && !subscription.strictOrder) inFlight = PIPELINE_DEPTH;
        if (slot.earlier) await deleteBacklog(deps.db, { subscriptionId: subscription.id, eventIds: [event.id] });
      } else {
        await upsertBacklog(deps.db, {
          subscriptionId: subscription.id,
          eventId: event.id,
          attempts: slot.number,
          nextAttemptAt: next,
          lastError: result.error,
          parkedAt: parked ? deps.clock() : null,
        });
        if (subscription.strictOrder) {
          status = "waiting";
          break;
        }
      }
      checkpoint = event.position;
      // A crash re-sends what was handed on since the last save: saving every quarter second keeps that
      // to a handful of events without a write per event.
      saveSoon();
    }
    // Hand-offs started past where this round stopped still settle before it ends (and are logged):
    // nothing it began goes on after it.
    await Promise.allSettled(window.map((slot) => ("outcome" in slot ? slot.outcome : null)));
    if (!(await saved())) return { ...tally, status: "busy" };
    await save();
    return { ...tally, status, ...(down || reachedDown ? { unreachable: true } : {}) };
  } finally {
    await Promise.allSettled(window.map((slot) => ("outcome" in slot ? slot.outcome : null)));
    await Promise.allSettled([saving, ...reads]);
    await releaseSubscriptionLease(deps.db, { id: subscription.id, holder });
  }
}

/** One round over every active subscription, each in turn; a failing one never stops the others. */
export async function runSubscriptions(
  deps: Deps,
  { holder, signal }: { holder: string; signal?: AbortSignal },
): Promise<Record<string, RunOutcome | { status: "error"; message: string }>> {
  const outcomes: Record<string, RunOutcome | { status: "error"; message: string }> = {};
  for (const id of await listActiveSubscriptionIds(deps.db)) {
    if (signal?.aborted) break;
    const pausedUntil = downUntil.get(id);
    if (pausedUntil !== undefined && performance.now() < pausedUntil) {
      outcomes[id] = { delivered: 0, failed: 0, parked: 0, status: "waiting", unreachable: true };
      continue;
    }
    try {
      const outcome = await runSubscription(
        { ...deps, log: deps.log.child({ subscriptionId: id }) },
        { id, holder, signal, probe: pausedUntil !== undefined },
      );
      if (outcome.unreachable) downUntil.set(id, performance.now() + DOWN_PAUSE_MS);
      else downUntil.delete(id);
      outcomes[id] = outcome;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.log.error("subscription run failed", { subscription: id, error: message });
      outcomes[id] = { status: "error", message };
    }
  }
  return outcomes;
}

export type { Subscription };
