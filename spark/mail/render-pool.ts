import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { RENDER_LIMIT_MS, type PartialSnapshot } from "@/emails/liquid";
import type { ComposeJobMessage, RenderJobMessage, RenderOutcome, RenderReply } from "@/emails/render-job";
import type { OutgoingMail } from "@/emails/transports/types";

export type { RenderOutcome };

/** Renders to run together: templates and contexts by index, and the (template, context) pairs wanted. */
export type RenderRequest = Omit<RenderJobMessage, "id" | "partialsKey" | "partials"> & { partials: PartialSnapshot };

export type RenderPool = {
  render(request: RenderRequest): Promise<RenderOutcome[]>;
  /**
   * Builds mails into their MIME bytes in the workers, in order; null for any the pool could not
   * build (its worker failed or stalled), which the caller builds itself.
   */
  compose(mails: OutgoingMail[]): Promise<(Uint8Array | null)[]>;
  close(): Promise<void>;
};

type Attempt =
  | { kind: "done"; results: RenderOutcome[] }
  | { kind: "composed"; composed: (Uint8Array | null)[] }
  | { kind: "stopped"; at: number; reason: string };
type Task = {
  message: RenderJobMessage | ComposeJobMessage;
  settle: (attempt: Attempt) => void;
  fail: (error: Error) => void;
};
const sizeOf = (message: Task["message"]) => ("compose" in message ? message.compose.length : message.items.length);
type Slot = {
  worker: Worker;
  progress: Int32Array;
  ready: boolean;
  task: Task | null;
  startedAt: number;
  seen: number;
  beatAt: number;
};

/** Below this many renders a batch is not worth splitting across workers. */
const MIN_SPLIT = 256;

const partialsKeys = new WeakMap<PartialSnapshot, number>();
let nextPartialsKey = 1;
const keyOf = (partials: PartialSnapshot) => {
  let key = partialsKeys.get(partials);
  if (key === undefined) partialsKeys.set(partials, (key = nextPartialsKey++));
  return key;
};

/**
 * Worker threads that render Liquid, so a slow template never blocks the server's event loop. Each
 * worker counts the renders it starts in shared memory; one that shows no progress for `limitMs`
 * (plus a grace for liquidjs's own limit to fire first) is terminated and replaced, its render fails
 * with a TemplateError-like reason, and the rest of its job is rendered again by a fresh worker.
 */
export function createRenderPool({
  size = 2,
  limitMs = RENDER_LIMIT_MS,
  graceMs = 500,
  workerFile = join(process.cwd(), "emails", "render-worker.mjs"),
}: { size?: number; limitMs?: number; graceMs?: number; workerFile?: string } = {}): RenderPool {
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 1;
  let closed = false;
  let watchdog: NodeJS.Timeout | null = null;

  const spawn = (): Slot => {
    const progress = new Int32Array(new SharedArrayBuffer(4));
    // Spark always runs from its project root (its migrations are found the same way). Constructed
    // indirectly: the bundler treats `new Worker(path)` as an entry to bundle and would pull in the project.
    const options = { workerData: { progress: progress.buffer }, resourceLimits: { maxOldGenerationSizeMb: 512 } };
    const worker: Worker = Reflect.construct(Worker, [workerFile, options]);
    const slot: Slot = { worker, progress, ready: false, task: null, startedAt: 0, seen: 0, beatAt: 0 };
    worker.unref();
    worker.on("message", (reply: RenderReply) => {
      if ("ready" in reply) {
        slot.ready = true;
        dispatch();
        return;
      }
      const task = slot.task;
      if (!task || task.message.id !== reply.id) return;
      slot.task = null;
      worker.unref();
      task.settle(
        "composed" in reply ? { kind: "composed", composed: reply.composed } : { kind: "done", results: reply.results },
      );
      dispatch();
    });
    const lost = (reason: string) => {
      const index = slots.indexOf(slot);
      if (index === -1) return;
      slots.splice(index, 1);
      const task = slot.task;
      slot.task = null;
      if (task) task.settle({ kind: "stopped", at: stuckIndex(slot, task), reason });
      else if (!slot.ready)
        for (const waiting of queue.splice(0)) waiting.fail(new Error(`The render worker did not start: ${reason}`));
      if (!closed) dispatch();
    };
    worker.on("error", (error) => lost(`the render worker failed (${error.message})`));
    worker.on("exit", (code) => lost(`the render worker stopped (exit code ${code})`));
    slots.push(slot);
    return slot;
  };

  const stuckIndex = (slot: Slot, task: Task) =>
    Math.min(sizeOf(task.message) - 1, Math.max(0, Atomics.load(slot.progress, 0) - slot.startedAt - 1));

  const check = () => {
    const now = performance.now();
    for (const slot of [...slots]) {
      if (!slot.task) continue;
      const seen = Atomics.load(slot.progress, 0);
      if (seen !== slot.seen) {
        slot.seen = seen;
        slot.beatAt = now;
      } else if (now - slot.beatAt > limitMs + graceMs) {
        const task = slot.task;
        slot.task = null;
        slots.splice(slots.indexOf(slot), 1);
        void slot.worker.terminate();
        task.settle({
          kind: "stopped",
          at: stuckIndex(slot, task),
          reason: `The template took longer than ${limitMs / 1000} s; simplify its loops`,
        });
        dispatch();
      }
    }
    if (slots.every((s) => !s.task) && watchdog) {
      clearInterval(watchdog);
      watchdog = null;
    }
  };

  const dispatch = () => {
    if (closed) return;
    while (queue.length > 0) {
      let slot = slots.find((s) => s.ready && !s.task);
      if (!slot) {
        if (slots.length < size) spawn();
        return;
      }
      const task = queue.shift()!;
      slot.task = task;
      slot.startedAt = slot.seen = Atomics.load(slot.progress, 0);
      slot.beatAt = performance.now();
      // A busy worker keeps the process alive until its answer arrives; an idle one does not.
      slot.worker.ref();
      slot.worker.postMessage(task.message);
      watchdog ??= setInterval(check, Math.max(10, Math.min(100, limitMs / 10)));
      slot = undefined;
    }
  };

  const attempt = (message: Task["message"]) =>
    new Promise<Attempt>((settle, fail) => {
      if (closed) return fail(new Error("The render pool is closed."));
      queue.push({ message, settle, fail });
      dispatch();
    });

  return {
    async render({ partials, ...request }) {
      const results: (RenderOutcome | undefined)[] = new Array(request.items.length);
      const base = { ...request, partialsKey: keyOf(partials), partials: [...partials] };
      const renderChunk = async (chunk: { item: RenderJobMessage["items"][number]; index: number }[]) => {
        let pending = chunk;
        while (pending.length > 0) {
          const outcome = await attempt({ ...base, id: nextId++, items: pending.map((p) => p.item) });
          if (outcome.kind === "composed") throw new Error("A render job was answered with composed mail.");
          if (outcome.kind === "done") {
            outcome.results.forEach((result, k) => (results[pending[k]!.index] = result));
            return;
          }
          results[pending[outcome.at]!.index] = {
            ok: false,
            field: null,
            reason: outcome.reason,
            message: outcome.reason,
          };
          pending = pending.filter((_, k) => k !== outcome.at);
        }
      };
      // A big batch is shared among the workers, so a job pass renders on every core it has; a small
      // one (a preview) stays whole, as one round trip.
      const all = request.items.map((item, index) => ({ item, index }));
      const parts = all.length >= MIN_SPLIT ? size : 1;
      const per = Math.ceil(all.length / parts);
      await Promise.all(
        Array.from({ length: parts }, (_, p) => all.slice(p * per, (p + 1) * per))
          .filter((chunk) => chunk.length > 0)
          .map(renderChunk),
      );
      return results as RenderOutcome[];
    },
    async compose(mails) {
      // Split like a big render, so both workers build while the sender streams the last batch.
      const parts = mails.length >= MIN_SPLIT ? size : 1;
      const per = Math.ceil(mails.length / parts);
      const chunks = Array.from({ length: parts }, (_, p) => mails.slice(p * per, (p + 1) * per)).filter(
        (chunk) => chunk.length > 0,
      );
      const built = await Promise.all(
        chunks.map(async (chunk) => {
          const outcome = await attempt({ id: nextId++, compose: chunk }).catch(() => null);
          return outcome?.kind === "composed" ? outcome.composed : chunk.map(() => null);
        }),
      );
      return built.flat();
    },
    async close() {
      closed = true;
      if (watchdog) clearInterval(watchdog);
      for (const task of queue.splice(0)) task.fail(new Error("The render pool is closed."));
      const stopping = slots.splice(0);
      // A terminated worker's exit finds its slot gone and settles nothing, so a render or compose
      // still running in it would otherwise wait forever.
      for (const slot of stopping) {
        const task = slot.task;
        slot.task = null;
        task?.fail(new Error("The render pool is closed."));
      }
      await Promise.all(stopping.map((slot) => slot.worker.terminate()));
    },
  };
}

let shared: RenderPool | null = null;

/** The process's render pool, started on first use. */
export function renderPool(): RenderPool {
  return (shared ??= createRenderPool());
}

/** Stops the shared pool's workers (a CLI's or a test's end; idle workers never hold a process open). */
export async function closeRenderPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
