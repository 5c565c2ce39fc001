import { TemplateError, type PartialKind, type PartialSnapshot } from "./liquid";
import {
  compileMail,
  FieldError,
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
export type RenderOutcome =
  { ok: true; mail: RenderedMail } | { ok: false; field: MailField | null; reason: string; message: string };
export type RenderReply = { id: number; results: RenderOutcome[] } | { ready: true };

export function outcomeOf(error: unknown): RenderOutcome {
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
