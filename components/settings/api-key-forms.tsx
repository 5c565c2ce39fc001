"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { useActionState, useId } from "react";
import { fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { useFieldErrors } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import type { ApiKeyScope } from "@/spark/api-keys/api-keys";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

export const SCOPE_HELP: Record<ApiKeyScope, string> = {
  ingest: "Record events: POST /api/events.",
  read: "Read events back: GET /api/events and /api/streams.",
  mail: "With ingest: events may carry their own spark_mail (any recipients and text), sent through your mail server.",
  admin: "Everything, including destinations and inbound; implies ingest, read and mail.",
};

/** The one example a new key comes with: the request a producer makes first, with this key in it. */
export function curlExample(secret: string, publicUrl: string) {
  return `curl -H "Authorization: Bearer ${secret}" -H "content-type: application/json" -d '{"group":"signup","key":"signup:42","context":{}}' ${publicUrl}/api/events`;
}

/**
 * The new key, shown this once: it lives only in this form's state, so a reload, another page or
 * another operator never sees it again.
 */
function NewKey({ secret, publicUrl }: { secret: string; publicUrl: string }) {
  const keyId = useId();
  const example = curlExample(secret, publicUrl);
  return (
    <section
      aria-label="New API key"
      className="min-w-0 space-y-3 rounded-md bg-emerald-50 p-4 ring-1 ring-emerald-200 ring-inset"
    >
      <p className="text-sm font-semibold text-emerald-900">
        Copy the key now: you will not see it again. Spark keeps only a hash of it.
      </p>
      <div className="flex min-w-0 items-center gap-2">
        <label htmlFor={keyId} className="sr-only">
          New API key
        </label>
        <input
          id={keyId}
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md bg-white px-3 py-2 font-mono text-sm ring-1 ring-emerald-300 ring-inset"
        />
        <CopyButton text={secret} label="Copy the key" />
      </div>
      <p className="text-sm text-emerald-900">Try it:</p>
      <div className="flex min-w-0 items-start gap-2">
        <pre
          aria-label="Example request"
          className="min-w-0 flex-1 overflow-x-auto rounded-md bg-zinc-900 p-3 font-mono text-xs whitespace-pre-wrap break-all text-zinc-100"
        >
          {example}
        </pre>
        <CopyButton text={example} label="Copy the example" />
      </div>
    </section>
  );
}

export function CreateApiKeyForm({ action, publicUrl }: { action: Action; publicUrl: string }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  const { onChange, errorOf } = useFieldErrors(state);
  const picked = new Set((fieldValue(state, "scopes") ?? "ingest").split(","));
  const scopesError = errorOf("scopes");
  return (
    <div className="space-y-4">
      {state.status === "ok" && state.message ? <NewKey secret={state.message} publicUrl={publicUrl} /> : null}
      <form action={formAction} onChange={onChange} className="space-y-4" noValidate>
        {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
        <TextField
          label="Name"
          name="name"
          required
          maxLength={100}
          autoComplete="off"
          placeholder="deploy-bot"
          hint="Who or what will use it; unique among live keys."
          defaultValue={fieldValue(state, "name")}
          error={errorOf("name")}
        />
        <fieldset aria-describedby={scopesError ? "api-key-scopes-error" : undefined}>
          <legend className="text-sm font-medium text-zinc-800">Scopes</legend>
          <div className="mt-2 space-y-2">
            {(Object.keys(SCOPE_HELP) as ApiKeyScope[]).map((scope) => (
              <label key={scope} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  name="scopes"
                  value={scope}
                  defaultChecked={picked.has(scope)}
                  className="mt-0.5 size-4 accent-spark-600"
                />
                <span>
                  <span className="font-mono font-medium">{scope}</span>
                  <span className="text-zinc-500"> — {SCOPE_HELP[scope]}</span>
                </span>
              </label>
            ))}
          </div>
          {scopesError ? (
            <p id="api-key-scopes-error" className="mt-1.5 text-sm text-red-700">
              {scopesError}
            </p>
          ) : null}
        </fieldset>
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create API key"}
        </Button>
      </form>
    </div>
  );
}
