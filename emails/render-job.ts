import { composeMime } from "./transports/message";
import type { OutgoingMail } from "./transports/types";
import { TemplateError, type PartialKind, type PartialSnapshot } from "./liquid";
import {
  compileMail,
  FieldError,
  NoRecipient,
  type CompiledMail,
  type MailField,
  type MailTemplateSource,
  type RenderedMail,
} from "./render";

/** One message to a render worker: many renders at once, so a job pass pays one round trip per batch. */
export type RenderJobMessage = {
  id: number;
  partialsKey: number;
  partials: [string, { kind: PartialKind; body: string }][];
  templates: { cacheKey: string | null; source: MailTemplateSource; layout: string }[];
  contexts: Record<string, unknown>[];
  items: { template: number; context: number }[];
  defaultFrom: string;
};
/** A failure is `skipped` when the mail asks for no recipient: nothing to send, and nothing wrong. */
export type RenderOutcome =
  | { ok: true; mail: RenderedMail }
  | { ok: false; field: MailField | null; reason: string; message: string; skipped?: true };
/**
 * Mails to build into their MIME bytes, off the event loop. Each answer is the message's own bytes
 * (transferred, not copied), or null when it could not be built: the sender then builds it itself.
 */
export type ComposeJobMessage = { id: number; compose: OutgoingMail[] };
export type RenderReply =
  { id: number; results: RenderOutcome[] } | { id: number; composed: (Uint8Array | null)[] } | { ready: true };

export function outcomeOf(error: unknown): RenderOutcome {
  if (error instanceof NoRecipient)
    return { ok: false, field: error.field, reason: error.reason, message: error.message, skipped: true };
  if (error instanceof FieldError)
    return { ok: false, field: error.field, reason: error.reason, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, field: null, reason: message, message };
}

/** Compiled templates and partial snapshots kept between jobs, so a job pass compiles each template once per worker. */
export type RenderCache = {
  snapshots: Map<number, PartialSnapshot>;
  compiled: Map<string, CompiledMail | TemplateError>;
};
export const createRenderCache = (): RenderCache => ({ snapshots: new Map(), compiled: new Map() });

function compile(
  cache: RenderCache,
  partials: PartialSnapshot,
  partialsKey: number,
  t: RenderJobMessage["templates"][number],
): CompiledMail | TemplateError {
  const key = t.cacheKey === null ? null : `${partialsKey}\u0000${t.cacheKey}`;
  const cached = key === null ? undefined : cache.compiled.get(key);
  if (cached) return cached;
  let result: CompiledMail | TemplateError;
  try {
    result = compileMail(t.source, { partials, layout: t.layout });
  } catch (error) {
    result = error instanceof TemplateError ? error : new TemplateError(String(error));
  }
  if (key !== null) {
    if (cache.compiled.size > 200) cache.compiled.clear();
    cache.compiled.set(key, result);
  }
  return result;
}

/** Renders a job's items in order; `onItem` runs as each starts (the worker's heartbeat). */
export async function runRenderJob(
  job: RenderJobMessage,
  cache: RenderCache,
  onItem: () => void = () => {},
): Promise<RenderOutcome[]> {
  let partials = cache.snapshots.get(job.partialsKey);
  if (!partials) {
    if (cache.snapshots.size > 20) cache.snapshots.clear();
    cache.snapshots.set(job.partialsKey, (partials = new Map(job.partials)));
  }
  const prepared = new Map<number, CompiledMail | TemplateError>();
  const results: RenderOutcome[] = [];
  for (const item of job.items) {
    onItem();
    try {
      let mail = prepared.get(item.template);
      if (!mail)
        prepared.set(item.template, (mail = compile(cache, partials, job.partialsKey, job.templates[item.template]!)));
      if (mail instanceof TemplateError) throw mail;
      results.push({
        ok: true,
        mail: await mail.render(job.contexts[item.context]!, { defaultFrom: job.defaultFrom }),
      });
    } catch (error) {
      results.push(outcomeOf(error));
    }
  }
  return results;
}

/** Builds each mail's MIME in order; `onItem` runs as each starts (the worker's heartbeat). */
export async function runComposeJob(
  job: ComposeJobMessage,
  onItem: () => void = () => {},
): Promise<(Uint8Array | null)[]> {
  const composed: (Uint8Array | null)[] = [];
  for (const mail of job.compose) {
    onItem();
    try {
      // A copy in a buffer of its own: a small Buffer is a view of a shared slab, which cannot be transferred.
      composed.push(new Uint8Array(await composeMime(mail)));
    } catch {
      composed.push(null);
    }
  }
  return composed;
}
