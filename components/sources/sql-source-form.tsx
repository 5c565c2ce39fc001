"use client";

import { useMemo, useRef, useState, useTransition } from "react";
import { currentFieldError, type FormState } from "@/components/forms/form-state";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { CodeEditor, type CodeEditorHandle, type SqlCompletionSchema } from "@/components/ui/code-editor";
import { SelectField, TextField } from "@/components/ui/field";
import { formatCount } from "@/components/ui/format";
import { Notice } from "@/components/ui/notice";
import type { ConnectionSchema } from "@/spark/connections/schema";
import type { SqlTestResult } from "@/spark/sources/sql";
import { SchemaBrowser, type ReadSchema } from "./schema-browser";
import { VariableTable } from "./variable-table";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type TestAction = (input: { query: string; connectionId: string }) => Promise<SqlTestResult>;

export type SqlSourceValues = { name: string; description: string; connectionId: string; query: string };
export type ConnectionChoice = { id: string; name: string; kind: string };

/** Create or edit a SQL source; the query is tested on save too, so a broken one is never stored. */
export function SqlSourceForm({
  action,
  test,
  initial,
  submitLabel,
  connections,
  readSchema,
}: {
  action: Action;
  test: TestAction;
  readSchema: ReadSchema;
  initial: SqlSourceValues;
  submitLabel: string;
  connections: ConnectionChoice[];
}) {
  // Posted without React's reset, so a refused save keeps the chosen connection; an error goes once its field changes.
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const [values, setValues] = useState(initial);
  const [result, setResult] = useState<SqlTestResult | null>(null);
  const [testing, startTest] = useTransition();
  const queryError = currentFieldError(state, "query", values.query);
  const editor = useRef<CodeEditorHandle>(null);
  const [tables, setTables] = useState<ConnectionSchema | null>(null);
  const kind = connections.find((c) => c.id === values.connectionId)?.kind ?? null;
  const sqlSchema = useMemo(() => completionSchemaOf(tables, kind), [tables, kind]);
  const runTest = () =>
    startTest(async () => {
      try {
        const tested = await test({ query: values.query, connectionId: values.connectionId });
        setResult(tested);
        if (!tested.ok && tested.at) editor.current?.goTo(tested.at);
      } catch {
        setResult({
          ok: false,
          message: "The test could not reach the server; check that Spark is running and try again.",
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
            hint="Lowercase letters, digits, underscores and hyphens. Generators show it in their source picker."
            className="font-mono"
          />
          <TextField
            label="Description"
            name="description"
            value={values.description}
            onChange={(e) => setValues({ ...values, description: e.target.value })}
            error={currentFieldError(state, "description", values.description)}
            hint="Optional: what each row is."
          />
        </div>
        <SelectField
          label="Connection"
          name="connectionId"
          value={values.connectionId}
          onChange={(e) => setValues({ ...values, connectionId: e.target.value })}
          error={currentFieldError(state, "connectionId", values.connectionId)}
          hint="The database the query reads, as a read-only user. Admins add connections under Settings → Connections."
        >
          {values.connectionId === "" ? <option value="">Choose a connection…</option> : null}
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.kind === "sample" ? "sample data" : c.kind === "mysql" ? "MySQL/MariaDB" : "PostgreSQL"})
            </option>
          ))}
        </SelectField>
        <div className="space-y-1.5">
          <p className="block text-sm font-medium text-zinc-800">Query</p>
          <div className="grid gap-3 lg:grid-cols-[minmax(0,1fr)_16rem]">
            <CodeEditor
              ref={editor}
              sqlSchema={sqlSchema}
              name="query"
              language="sql"
              label="Query"
              value={values.query}
              onChange={(query) => setValues((v) => ({ ...v, query }))}
              invalid={!!queryError}
              describedBy="sql-query-help"
              placeholder={
                "select c.id, c.title, count(d.id) as donations\nfrom demo.challenges c left join demo.donations d on d.challenge_id = c.id\ngroup by c.id"
              }
              minHeight="16rem"
            />
            <div className="relative">
              <SchemaBrowser
                connectionId={values.connectionId}
                kind={kind}
                onLoad={setTables}
                read={readSchema}
                onInsert={(text) => editor.current?.insert(text)}
              />
            </div>
          </div>
          <p id="sql-query-help" className={`text-sm ${queryError ? "text-red-700" : "text-zinc-500"}`}>
            {queryError ??
              "One SELECT whose first column is id. It runs on the connection in a read-only transaction, as its read-only user, with a time limit; each row is a candidate and its columns are the variables."}
          </p>
        </div>
        <div className="flex flex-wrap gap-2 border-t border-zinc-100 pt-4">
          <Button type="submit" disabled={pending}>
            {pending ? "Testing and saving…" : submitLabel}
          </Button>
          <Button
            type="button"
            variant="secondary"
            onClick={runTest}
            disabled={testing || values.query.trim() === "" || values.connectionId === ""}
          >
            {testing ? "Running…" : "Test query"}
          </Button>
        </div>
      </form>
      <div aria-live="polite" aria-busy={testing}>
        {result ? <TestResult result={result} /> : null}
      </div>
    </div>
  );
}

function TestResult({ result }: { result: SqlTestResult }) {
  if (!result.ok) return <Notice tone="error">{result.message}</Notice>;
  const columns = Object.keys(result.variables);
  return (
    <section
      aria-label="Test result"
      className="min-w-0 space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
    >
      <Notice tone="success">
        The query works: {formatCount(columns.length, "column")},{" "}
        {result.rows.length === 20 ? "first 20 rows" : formatCount(result.rows.length, "row")} shown.
      </Notice>
      <VariableTable variables={result.variables} />
      {result.rows.length === 0 ? (
        <p className="text-sm text-zinc-500">
          No rows right now; a generator on this source would record nothing until rows appear.
        </p>
      ) : (
        // Wide results scroll here, inside their box, never the page.
        <div className="max-h-96 max-w-full overflow-auto" data-testid="test-rows">
          <table className="min-w-full text-xs">
            <thead className="sticky top-0 bg-white text-left font-mono text-zinc-500">
              <tr>
                {columns.map((c) => (
                  <th key={c} className="px-2 py-1.5">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 font-mono">
              {result.rows.map((row, i) => (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c} className="max-w-xs truncate px-2 py-1.5" title={display(row[c])}>
                      {display(row[c])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const display = (value: unknown) =>
  value === null || value === undefined ? "∅" : typeof value === "object" ? JSON.stringify(value) : String(value);

/** The schema browser's tables as the SQL completions take them: schema → table → column names. */
function completionSchemaOf(schema: ConnectionSchema | null, kind: string | null): SqlCompletionSchema | null {
  if (!schema) return null;
  const tables: Record<string, Record<string, string[]>> = {};
  for (const t of schema.tables) (tables[t.schema] ??= {})[t.name] = t.columns.map((c) => c.name);
  return { dialect: kind === "mysql" ? "mysql" : "postgres", tables };
}
