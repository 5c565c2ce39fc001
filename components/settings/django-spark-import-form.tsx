"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { useFieldErrors } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

import { oneTimeToken } from "@/components/forms/one-time-token";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type Source = { id: string; name: string; kind: "postgres" | "mysql"; database: string; host: string };

/**
 * Count, then import: the Import button appears once a count for the chosen connection has come back,
 * so nobody imports a table they have not seen the size of.
 */
export function DjangoSparkImportForm({ action, sources }: { action: Action; sources: Source[] }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const { onChange, errorOf } = useFieldErrors(state);
  const [chosen, setChosen] = useState(fieldValue(state, "connectionId") ?? sources[0]!.id);
  const [last, setLast] = useState<{ mode: string; connectionId: string; runId: string } | null>(null);
  // The run under way, set when the form is submitted: state set inside a form action only lands when
  // the action ends, too late to ask how far it got. The ref hands its id to the action itself.
  const [running, setRunning] = useState<{ mode: string; runId: string } | null>(null);
  const nextRun = useRef<{ mode: string; runId: string } | null>(null);
  const counted = state.status === "ok" && last?.mode === "count" && last.connectionId === chosen;
  const [progress, setProgress] = useState<string | null>(null);
  const [stopping, setStopping] = useState<{ text: string; sent: boolean } | null>(null);
  // The import ends at its next batch and answers with what it did; what it recorded stays.
  const stop = async () => {
    const run = running;
    if (!run) return;
    setStopping({ text: "Stopping at the end of this batch…", sent: true });
    const response = await fetch(`/api/imports/progress?run=${encodeURIComponent(run.runId)}`, {
      method: "DELETE",
    }).catch(() => null);
    if (!response?.ok) {
      const body = (await response?.json().catch(() => null)) as { error?: string } | null;
      setStopping({ text: body?.error ?? "The stop did not reach the server; try again.", sent: false });
    }
  };
  // While the action runs, ask the server how far it got (by the id this page chose for it).
  useEffect(() => {
    const run = running;
    if (!pending || !run) return;
    let stopped = false;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/imports/progress?run=${encodeURIComponent(run.runId)}`).catch(() => null);
      const body = (await response?.json().catch(() => null)) as { progress?: string | null } | null;
      if (!stopped && body?.progress) setProgress(body.progress);
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
      setProgress(null);
      setStopping(null);
    };
  }, [pending, running]);
  return (
    <form
      // Each post carries a fresh id, so the page can ask the server how far that import got.
      onSubmit={(event) => {
        const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        const run = { mode: submitter?.value === "import" ? "import" : "count", runId: oneTimeToken() };
        nextRun.current = run;
        setRunning(run);
      }}
      action={(data: FormData) => {
        const run = nextRun.current ?? { mode: String(data.get("mode") ?? "count"), runId: oneTimeToken() };
        data.set("runId", run.runId);
        setLast({ mode: run.mode, connectionId: chosen, runId: run.runId });
        formAction(data);
      }}
      onChange={onChange}
      className="space-y-4"
      noValidate
    >
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      <SelectField
        label="django-spark's database"
        name="connectionId"
        value={chosen}
        onChange={(e) => setChosen(e.target.value)}
        error={errorOf("connectionId")}
        hint="The connection to the site's database that holds spark_event and spark_mails_mail."
      >
        {sources.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name} ({s.kind === "postgres" ? "PostgreSQL" : "MySQL/MariaDB"}, {s.database} on {s.host})
          </option>
        ))}
      </SelectField>
      <div className="flex flex-wrap gap-3">
        <Button type="submit" name="mode" value="count" variant={counted ? "secondary" : "primary"} disabled={pending}>
          Count (dry run)
        </Button>
        {counted ? (
          <Button type="submit" name="mode" value="import" disabled={pending}>
            Import
          </Button>
        ) : null}
      </div>
      {pending ? (
        <div className="flex flex-wrap items-center gap-3">
          <p role="status" className="text-sm text-zinc-600">
            {stopping?.text ?? progress ?? `${running?.mode === "import" ? "Importing" : "Counting"}…`} A table of
            millions of keys takes a few minutes; keep this page open.
          </p>
          <Button type="button" variant="secondary" onClick={stop} disabled={stopping?.sent === true}>
            Stop
          </Button>
        </div>
      ) : null}
      {state.status === "ok" && state.message && !pending ? (
        <section aria-label="Import report" className="space-y-2">
          <h3 className="text-sm font-semibold">{last?.mode === "import" ? "Imported" : "What an import would do"}</h3>
          <pre className="max-h-96 overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs whitespace-pre-wrap break-all ring-1 ring-zinc-200 ring-inset">
            {state.message}
          </pre>
        </section>
      ) : null}
    </form>
  );
}
