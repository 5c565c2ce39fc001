"use client";

import { useActionState } from "react";
import { fieldError, fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

export function ImportForm({ action }: { action: Action }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const sourceError = fieldError(state, "source");
  // A translation refuses every line that would read differently, not only the first.
  const sourceErrors = state.status === "invalid" ? (state.fieldErrors.source ?? []) : [];
  return (
    <form
      action={formAction}
      className="max-w-3xl space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
      noValidate
    >
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          label="Name"
          name="name"
          defaultValue={fieldValue(state, "name")}
          error={fieldError(state, "name")}
        />
        <TextField
          label="Event group"
          name="group"
          defaultValue={fieldValue(state, "group")}
          error={fieldError(state, "group")}
          hint="Exact, or with * wildcards"
          className="font-mono"
        />
      </div>
      <div className="space-y-1.5">
        <label htmlFor="import-source" className="block text-sm font-medium text-zinc-800">
          django-spark template source
        </label>
        <textarea
          id="import-source"
          name="source"
          rows={14}
          spellCheck={false}
          defaultValue={fieldValue(state, "source")}
          aria-invalid={sourceError ? true : undefined}
          aria-describedby="import-source-help"
          placeholder={"{{ challenge.title }} ends in two days\n\nHello {{ user.name }},\n\n…"}
          className={`block w-full rounded-md border-0 px-3 py-2 font-mono text-sm ring-1 ring-inset ${sourceError ? "ring-red-400" : "ring-zinc-300"}`}
        />
        {sourceErrors.length > 1 ? (
          <ul id="import-source-help" className="list-disc space-y-0.5 pl-5 text-sm text-red-700">
            {sourceErrors.map((message, i) => (
              <li key={`${i}:${message}`}>{message}</li>
            ))}
          </ul>
        ) : null}
        <p
          id={sourceErrors.length > 1 ? undefined : "import-source-help"}
          hidden={sourceErrors.length > 1}
          className={`text-sm ${sourceError ? "text-red-700" : "text-zinc-500"}`}
        >
          {sourceError ??
            "After rendering, split as spark_mails splits it: trailing spaces go, the first non-empty rendered line is the subject, the lines after it (outer blank lines removed) the text body. {% load %} prints nothing; {% trans %}, {% url %}, {% include %}, |safe and other Django-only tags and filters are refused with their line. Variables print as they are (Django escaped HTML characters in them). The template is saved inactive, for you to review."}
        </p>
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? "Importing…" : "Import"}
      </Button>
    </form>
  );
}
