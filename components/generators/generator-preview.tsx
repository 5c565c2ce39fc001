"use client";

import { useState, useTransition } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import type { Preview } from "@/spark/generators/generators";
import { formatNumber } from "@/components/ui/format";

export type PreviewInput = {
  source: string;
  group: string;
  conditions: { variable: string; operator: string; value: string }[];
};
export type PreviewAction = (
  input: PreviewInput,
) => Promise<{ ok: true; preview: Preview } | { ok: false; message: string }>;

/** The dry run beside the form: it previews what is typed now, saved or not, and records nothing. */
export function GeneratorPreview({ action, input }: { action: PreviewAction; input: PreviewInput }) {
  const [result, setResult] = useState<Awaited<ReturnType<PreviewAction>> | null>(null);
  const [pending, startTransition] = useTransition();
  const run = () =>
    startTransition(async () => {
      try {
        setResult(await action(input));
      } catch {
        setResult({
          ok: false,
          message: "The preview could not reach the server; check that Spark is running and try again.",
        });
      }
    });
  return (
    <section
      aria-labelledby="preview-title"
      className="h-fit space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
    >
      <div className="flex items-start justify-between gap-4">
        <div>
          <h2 id="preview-title" className="text-base font-semibold text-zinc-900">
            Preview
          </h2>
          <p className="mt-1 text-sm text-zinc-500">
            A dry run of the form as it is now: what would pass, and which keys are new. Nothing is recorded.
          </p>
        </div>
        <Button type="button" variant="secondary" onClick={run} disabled={pending || !input.source}>
          {pending ? "Running…" : "Preview"}
        </Button>
      </div>
      <div aria-live="polite" aria-busy={pending}>
        {result === null ? null : result.ok ? (
          <PreviewResult preview={result.preview} />
        ) : (
          <Notice tone="error">{result.message}</Notice>
        )}
      </div>
    </section>
  );
}

function PreviewResult({ preview }: { preview: Preview }) {
  const fresh = preview.sample.filter((s) => !s.recorded).length;
  return (
    <div className="space-y-4">
      {preview.error ? <Notice tone="error">{preview.error}</Notice> : null}
      <dl className="grid grid-cols-2 gap-3 text-sm">
        <div className="rounded-md bg-zinc-50 p-3">
          <dt className="text-zinc-500">Candidates read</dt>
          <dd className="text-xl font-semibold">
            {formatNumber(preview.candidates)}
            {preview.truncated ? "+" : ""}
          </dd>
        </div>
        <div className="rounded-md bg-zinc-50 p-3">
          <dt className="text-zinc-500">Would pass</dt>
          <dd className="text-xl font-semibold" data-testid="preview-passed">
            {formatNumber(preview.passed)}
          </dd>
        </div>
      </dl>
      {preview.truncated ? (
        <p className="text-xs text-zinc-500">
          The preview stopped after {formatNumber(preview.candidates)} candidates; a job pass reads them all.
        </p>
      ) : null}
      {preview.funnel.length > 0 ? (
        <ol className="space-y-2 text-sm">
          {preview.funnel.map((step, i) => {
            const share = preview.candidates === 0 ? 0 : step.passing / preview.candidates;
            return (
              <li key={i}>
                <div className="flex justify-between gap-2">
                  <span className="font-mono text-xs">{step.condition}</span>
                  <span className="text-zinc-600">{formatNumber(step.passing)} still passing</span>
                </div>
                <div className="mt-1 h-1.5 rounded-full bg-zinc-100">
                  <div className="h-1.5 rounded-full bg-spark-500" style={{ width: `${Math.round(share * 100)}%` }} />
                </div>
              </li>
            );
          })}
        </ol>
      ) : null}
      {preview.sample.length > 0 ? (
        <div>
          <h3 className="mb-2 text-sm font-medium text-zinc-800">
            Sample: {preview.sample.length} of {formatNumber(preview.passed)} ({fresh} new)
          </h3>
          <ul className="divide-y divide-zinc-100 text-sm">
            {preview.sample.map((s) => (
              <li key={s.key} className="py-2">
                <details>
                  <summary className="flex cursor-pointer items-center justify-between gap-2">
                    <span className="truncate font-mono text-xs">{s.key}</span>
                    {s.recorded ? <Badge>already recorded</Badge> : <Badge tone="green">new</Badge>}
                  </summary>
                  <pre className="mt-2 max-h-64 overflow-auto rounded bg-zinc-50 p-2 text-xs">
                    {JSON.stringify(s.context, null, 2)}
                  </pre>
                </details>
              </li>
            ))}
          </ul>
        </div>
      ) : preview.error ? null : (
        <p className="text-sm text-zinc-500">
          No candidate passes every condition right now, so a pass would record nothing.
        </p>
      )}
    </div>
  );
}
