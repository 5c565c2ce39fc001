"use client";

import { useState, useTransition } from "react";
import { currentFieldError, type FormState } from "@/components/forms/form-state";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { formatCount, formatNumber } from "@/components/ui/format";
import { Notice } from "@/components/ui/notice";
import type { OutboxCheckResult } from "@/spark/outbox/outbox-sources";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type CheckAction = (input: {
  connectionId: string;
  tableName: string;
  sourceId: string | null;
}) => Promise<OutboxCheckResult>;

export type OutboxSourceValues = { name: string; description: string; connectionId: string; tableName: string };
export type ConnectionChoice = { id: string; name: string; kind: string };

/** Create or edit an outbox source; the table is checked on save too, so a source never names a table it cannot read. */
export function OutboxSourceForm({
  action,
  check,
  initial,
  sourceId,
  submitLabel,
  connections,
}: {
  action: Action;
  check: CheckAction;
  initial: OutboxSourceValues;
  sourceId: string | null;
  submitLabel: string;
  connections: ConnectionChoice[];
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const [values, setValues] = useState(initial);
  const [result, setResult] = useState<OutboxCheckResult | null>(null);
  const [checking, startCheck] = useTransition();
  const runCheck = () =>
    startCheck(async () => {
      try {
        setResult(await check({ connectionId: values.connectionId, tableName: values.tableName, sourceId }));
      } catch {
        setResult({
          ok: false,
          field: "connectionId",
          message: "The check could not reach the server; check that Spark is running and try again.",
        });
      }
    });
  return (
    <div className="space-y-6">
      <form
        action={formAction}
        onSubmit={onSubmit}
        className="space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
        noValidate
      >
        {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Name"
            name="name"
            value={values.name}
            onChange={(e) => setValues({ ...values, name: e.target.value })}
            error={currentFieldError(state, "name", values.name)}
            hint="Lowercase letters, digits, underscores and hyphens."
            className="font-mono"
          />
          <TextField
            label="Description"
            name="description"
            value={values.description}
            onChange={(e) => setValues({ ...values, description: e.target.value })}
            error={currentFieldError(state, "description", values.description)}
            hint="Optional: which application writes to it."
          />
        </div>
        <div className="grid gap-4 md:grid-cols-2">
          <SelectField
            label="Connection"
            name="connectionId"
            value={values.connectionId}
            onChange={(e) => setValues({ ...values, connectionId: e.target.value })}
            error={currentFieldError(state, "connectionId", values.connectionId)}
            hint="The application's database, read as its read-only user. Admins add connections under Settings → Connections."
          >
            {values.connectionId === "" ? <option value="">Choose a connection…</option> : null}
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.kind === "mysql" ? "MySQL/MariaDB" : c.kind === "sample" ? "sample data" : "PostgreSQL"})
              </option>
            ))}
          </SelectField>
          <TextField
            label="Table"
            name="tableName"
            value={values.tableName}
            onChange={(e) => setValues({ ...values, tableName: e.target.value })}
            error={currentFieldError(state, "tableName", values.tableName)}
            hint="The outbox table, or schema.table, with the columns id, event_group, event_key, context and created_at (group and key also work)."
            className="font-mono"
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <div className="flex flex-wrap gap-2 border-t border-zinc-100 pt-4">
          <Button type="submit" disabled={pending}>
            {pending ? "Checking and saving…" : submitLabel}
          </Button>
          <Button
            type="button"
            variant="secondary"
            onClick={runCheck}
            disabled={checking || values.tableName.trim() === "" || values.connectionId === ""}
          >
            {checking ? "Checking…" : "Check table"}
          </Button>
        </div>
      </form>
      <div aria-live="polite" aria-busy={checking}>
        {result ? <CheckResult result={result} /> : null}
      </div>
    </div>
  );
}

function CheckResult({ result }: { result: OutboxCheckResult }) {
  if (!result.ok) return <Notice tone="error">{result.message}</Notice>;
  return (
    <section
      aria-label="Check result"
      className="min-w-0 space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
    >
      <Notice tone="success">
        The table is readable and has the outbox&apos;s columns:{" "}
        {result.total === null
          ? "more rows than could be counted within the time limit."
          : `${formatCount(result.total, "row")} in all.`}{" "}
        {result.next.length === 0
          ? `No row after id ${formatNumber(result.after)} yet: a pass would record nothing now.`
          : `The next ${result.next.length === 1 ? "row" : `${result.next.length} rows`} a pass would read (after id ${formatNumber(result.after)}):`}
      </Notice>
      {result.next.length > 0 ? (
        // Wide contexts scroll here, inside their box, never the page.
        <div className="max-h-96 max-w-full overflow-auto" data-testid="outbox-rows">
          <table className="min-w-full text-xs">
            <thead className="sticky top-0 bg-white text-left font-mono text-zinc-500">
              <tr>
                <th className="px-2 py-1.5">id</th>
                <th className="px-2 py-1.5">created_at</th>
                <th className="px-2 py-1.5">event_group</th>
                <th className="px-2 py-1.5">event_key</th>
                <th className="px-2 py-1.5">context</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 font-mono">
              {result.next.map((row) => (
                <tr key={row.id} className="align-top">
                  <td className="px-2 py-1.5">{row.id}</td>
                  <td className="px-2 py-1.5 whitespace-nowrap">{row.createdAt ?? "∅"}</td>
                  <td className="max-w-[12rem] truncate px-2 py-1.5" title={row.group ?? ""}>
                    {row.group ?? "∅"}
                  </td>
                  <td className="max-w-[14rem] truncate px-2 py-1.5" title={row.key ?? ""}>
                    {row.key ?? "∅"}
                  </td>
                  <td className="max-w-md px-2 py-1.5">
                    {row.problem ? (
                      <span className="font-sans text-red-700">Skipped by a pass: {row.problem}</span>
                    ) : (
                      <span className="block truncate" title={row.context ?? ""}>
                        {row.context}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
