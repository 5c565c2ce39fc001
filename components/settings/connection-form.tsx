"use client";

import { useActionState, useRef, useState, useTransition } from "react";
import { fieldValue, idleState, type FormState } from "@/components/forms/form-state";
import { useFieldErrors, useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type TestResult = { ok: true } | { ok: false; problems: string[] };
type TestAction = (values: Record<string, string>) => Promise<TestResult>;

export type ConnectionFormValues = {
  name: string;
  kind: "postgres" | "mysql";
  host: string;
  port: string;
  database: string;
  username: string;
  ssl: boolean;
  hasPassword: boolean;
};

const DEFAULT_PORT = { postgres: "5432", mysql: "3306" } as const;

/** Create or edit a connection; it is saved only after it connects as a least-privileged user. */
export function ConnectionForm({
  action,
  test,
  initial,
  submitLabel,
}: {
  action: Action;
  test: TestAction;
  initial: ConnectionFormValues;
  submitLabel: string;
}) {
  // Never reset by React: a refused save keeps the database kind, TLS and every typed value.
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const { onChange, errorOf } = useFieldErrors(state);
  const [kind, setKind] = useState<"postgres" | "mysql">(
    (fieldValue(state, "kind") as "postgres" | "mysql" | undefined) ?? initial.kind,
  );
  const [port, setPort] = useState(initial.port);
  const [result, setResult] = useState<TestResult | null>(null);
  const [testing, startTest] = useTransition();
  const form = useRef<HTMLFormElement>(null);
  const value = (name: keyof ConnectionFormValues) => fieldValue(state, name) ?? String(initial[name]);
  const formProblems = state.status === "invalid" ? state.fieldErrors.form : undefined;
  const runTest = () =>
    startTest(async () => {
      const data = Object.fromEntries(
        [...new FormData(form.current!)].filter(([, v]) => typeof v === "string"),
      ) as Record<string, string>;
      try {
        setResult(await test(data));
      } catch {
        setResult({
          ok: false,
          problems: ["The test could not reach the server; check that Spark is running and try again."],
        });
      }
    });
  return (
    <form ref={form} action={formAction} onSubmit={onSubmit} onChange={onChange} className="space-y-4" noValidate>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {formProblems ? (
        <Notice tone="error">
          <p className="font-medium">Not saved: this user is not fit for operators&apos; SQL.</p>
          <ul className="mt-1 list-disc pl-5">
            {formProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Notice>
      ) : null}
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          label="Name"
          name="name"
          defaultValue={value("name")}
          error={errorOf("name")}
          hint="Operators pick it by this name when they write a SQL source."
          className="font-mono"
        />
        <SelectField
          label="Database"
          name="kind"
          value={kind}
          onChange={(e) => {
            const next = e.target.value as "postgres" | "mysql";
            if (port === DEFAULT_PORT[kind]) setPort(DEFAULT_PORT[next]);
            setKind(next);
          }}
          error={errorOf("kind")}
        >
          <option value="postgres">PostgreSQL</option>
          <option value="mysql">MySQL or MariaDB</option>
        </SelectField>
        <TextField
          label="Host"
          name="host"
          defaultValue={value("host")}
          error={errorOf("host")}
          hint="As the Spark server reaches it, e.g. db.internal or 10.0.0.5."
        />
        <TextField
          label="Port"
          name="port"
          inputMode="numeric"
          value={port}
          onChange={(e) => setPort(e.target.value)}
          error={errorOf("port")}
        />
        <TextField label="Database name" name="database" defaultValue={value("database")} error={errorOf("database")} />
        <TextField
          label="User"
          name="username"
          defaultValue={value("username")}
          error={errorOf("username")}
          hint="A read-only user: the README has the statements that create one."
          autoComplete="off"
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          error={errorOf("password")}
          hint={
            initial.hasPassword
              ? "Stored encrypted and never shown; leave empty to keep it."
              : "Stored encrypted with SPARK_SECRET_KEY and never shown again."
          }
        />
        <label className="flex items-center gap-2 self-end pb-2 text-sm text-zinc-800">
          <input type="checkbox" name="ssl" defaultChecked={initial.ssl} className="size-4 rounded border-zinc-300" />
          Require TLS
        </label>
      </div>
      <div className="flex flex-wrap gap-2 border-t border-zinc-100 pt-4">
        <Button type="submit" disabled={pending}>
          {pending ? "Checking and saving…" : submitLabel}
        </Button>
        <Button type="button" variant="secondary" onClick={runTest} disabled={testing}>
          {testing ? "Connecting…" : "Test connection"}
        </Button>
      </div>
      <div aria-live="polite" aria-busy={testing}>
        {result ? (
          result.ok ? (
            <Notice tone="success">
              Connected: the user can read, and nothing more. Save to let operators use it.
            </Notice>
          ) : (
            <Notice tone="error">
              <ul className="list-disc pl-5">
                {result.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </Notice>
          )
        ) : null}
      </div>
    </form>
  );
}

/** Tests a stored connection from the list, and shows what it found beside the button. */
export function TestConnectionButton({ action, id, name }: { action: Action; id: string; name: string }) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="flex flex-col items-end gap-2">
      <input type="hidden" name="id" value={id} />
      <Button type="submit" variant="secondary" disabled={pending} aria-label={`Test connection ${name}`}>
        {pending ? "Connecting…" : "Test"}
      </Button>
      {state.status === "ok" && state.message ? (
        <p className="max-w-xs text-left text-xs text-emerald-700">{state.message}</p>
      ) : null}
      {state.status === "error" ? <p className="max-w-xs text-left text-xs text-red-700">{state.message}</p> : null}
    </form>
  );
}
