"use client";

import Link from "next/link";
import { useId, useRef, useState } from "react";
import { currentFieldError, fieldValue, type FormState } from "@/components/forms/form-state";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { operatorsByType, takesNoValue, type ConditionOperator } from "@/spark/generators/conditions";
import type { SourceOption } from "@/spark/generators/generators";
// The group rules come from a module with no server code, so they can run in the browser.
import { compileGroupPattern, GROUP_PATTERN } from "@/spark/mail/group-pattern";
import type { VariableSpec } from "@/spark/sources/variables";
import { GeneratorPreview, type PreviewAction } from "./generator-preview";
import { describeNextPass, type PassSchedule } from "./next-pass";

export type GeneratorFormValues = {
  name: string;
  group: string;
  source: string;
  conditions: { variable: string; operator: ConditionOperator; value: string }[];
  active: boolean;
};

type Row = GeneratorFormValues["conditions"][number] & { key: number };
type Action = (prev: FormState, data: FormData) => Promise<FormState>;

const valueHint: Record<VariableSpec["type"], string> = {
  number: "a number, like 2 or 0.5",
  string: "text",
  boolean: "true or false",
  timestamp: "a date, like 2026-01-31 or 2026-01-31T09:00:00Z",
  json: "text to find in the JSON",
};

/**
 * Create or edit a generator. Every field is controlled and the form is never reset by React, so a
 * refused save keeps exactly what was submitted (condition pickers included), and each error sits next
 * to the field or condition row it concerns for as long as that still holds the value it was found in.
 */
export function GeneratorForm({
  action,
  preview,
  sources,
  initial,
  version,
  base,
  schedule,
  templatePatterns,
  submitLabel,
}: {
  action: Action;
  preview: PreviewAction;
  sources: SourceOption[];
  initial: GeneratorFormValues;
  /** The stored version the form was loaded at, posted back so a save over a newer one is refused; null when new. */
  version: number | null;
  /** The stored generator as loaded (JSON), posted back so a stale save can name what changed since. */
  base?: string;
  schedule: PassSchedule;
  /** The group patterns of the active templates, so the form can say when none will mail these events. */
  templatePatterns: string[];
  submitLabel: string;
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const [name, setName] = useState(initial.name);
  const [group, setGroup] = useState(initial.group);
  const [sourceRef, setSourceRef] = useState(initial.source);
  const [active, setActive] = useState(initial.active);
  const nextKey = useRef(initial.conditions.length);
  const [rows, setRows] = useState<Row[]>(() => initial.conditions.map((c, key) => ({ ...c, key })));
  const source = sources.find((s) => s.ref === sourceRef);
  const variables = source?.variables ?? {};

  const updateRow = (key: number, change: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const addRow = (variable = Object.keys(variables)[0] ?? "") => {
    const type = variables[variable]?.type ?? "string";
    setRows((all) => [...all, { key: nextKey.current++, variable, operator: operatorsByType[type][0]!, value: "" }]);
  };

  return (
    <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <form
        action={formAction}
        onSubmit={onSubmit}
        className="space-y-6 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
        noValidate
      >
        {version === null ? null : (
          <input type="hidden" name="version" value={fieldValue(state, "version") ?? String(version)} />
        )}
        {base === undefined ? null : <input type="hidden" name="base" value={base} />}
        {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
        {state.status === "invalid" ? (
          <Notice tone="error">Fix the fields marked below; nothing was saved.</Notice>
        ) : null}
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={currentFieldError(state, "name", name)}
            required
            maxLength={100}
          />
          <TextField
            label="Event group"
            name="group"
            value={group}
            onChange={(e) => setGroup(e.target.value)}
            error={currentFieldError(state, "group", group)}
            hint="Up to 100 letters, digits, underscores, dots and hyphens (no spaces). Templates and handlers react to it; each event's key is group:candidate id."
            required
            maxLength={100}
            className="font-mono"
          />
          {GROUP_PATTERN.test(group.trim()) && !templatePatterns.some((p) => compileGroupPattern(p)(group.trim())) ? (
            <p className="text-sm text-amber-800 md:col-span-2" role="note">
              No active template answers {group.trim()}: these events will not be mailed.{" "}
              <Link href="/templates/new" className="text-spark-700 hover:underline">
                Write a template
              </Link>{" "}
              first, or keep the generator paused until one exists.
            </p>
          ) : null}
        </div>
        <SelectField
          label="Source"
          name="source"
          value={sourceRef}
          onChange={(e) => setSourceRef(e.target.value)}
          error={currentFieldError(state, "source", sourceRef)}
        >
          {source ? null : (
            <option value={sourceRef}>{sourceRef ? `${sourceRef} (missing)` : "Choose a source…"}</option>
          )}
          {(["code", "sql"] as const).map((kind) => {
            const options = sources.filter((s) => s.kind === kind);
            return options.length === 0 ? null : (
              <optgroup key={kind} label={kind === "code" ? "Code sources" : "SQL sources"}>
                {options.map((s) => (
                  <option key={s.ref} value={s.ref}>
                    {s.label}
                  </option>
                ))}
              </optgroup>
            );
          })}
        </SelectField>
        {source ? <SourceVariables source={source} onUse={addRow} /> : null}

        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-zinc-800">Conditions</legend>
          <p className="text-sm text-zinc-500">
            {rows.length === 0
              ? "No conditions: every candidate becomes an event."
              : "All must hold. A candidate that lacks a variable is skipped."}
          </p>
          {rows.map((row, index) => (
            <ConditionRow
              key={row.key}
              index={index}
              row={row}
              variables={variables}
              state={state}
              onChange={(change) => updateRow(row.key, change)}
              onRemove={() => setRows((all) => all.filter((r) => r.key !== row.key))}
            />
          ))}
          {state.status === "invalid" && state.fieldErrors.conditions ? (
            <p className="text-sm text-red-700">{state.fieldErrors.conditions[0]}</p>
          ) : null}
          <Button
            type="button"
            variant="secondary"
            onClick={() => addRow()}
            disabled={!source || Object.keys(variables).length === 0}
          >
            Add condition
          </Button>
        </fieldset>

        <div className="space-y-1">
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              name="active"
              checked={active}
              onChange={(e) => setActive(e.target.checked)}
              aria-describedby="generator-active-hint"
              className="size-4 rounded border-zinc-300 accent-spark-600"
            />
            Active: job passes run this generator
          </label>
          <p id="generator-active-hint" className="text-sm text-zinc-500">
            {active
              ? describeNextPass(schedule)
              : "Paused: passes skip it until you turn it on, so you can preview it and write its template first."}
          </p>
        </div>

        <div className="flex gap-2 border-t border-zinc-100 pt-4">
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : submitLabel}
          </Button>
        </div>
      </form>
      <GeneratorPreview
        action={preview}
        input={{
          source: sourceRef,
          group,
          conditions: rows.map(({ variable, operator, value }) => ({ variable, operator, value })),
        }}
      />
    </div>
  );
}

function SourceVariables({ source, onUse }: { source: SourceOption; onUse: (variable: string) => void }) {
  const entries = Object.entries(source.variables);
  return (
    <div className="rounded-md bg-zinc-50 p-4 ring-1 ring-zinc-200 ring-inset">
      {source.description ? <p className="mb-3 text-sm text-zinc-700">{source.description}</p> : null}
      {entries.length === 0 ? (
        <p className="text-sm text-zinc-500">This source declares no variables.</p>
      ) : (
        <table className="w-full text-sm">
          <caption className="mb-1 text-left text-xs font-medium tracking-wide text-zinc-500 uppercase">
            Variables
          </caption>
          <tbody className="divide-y divide-zinc-200">
            {entries.map(([name, spec]) => (
              <tr key={name}>
                <td className="py-1.5 pr-3 font-mono text-xs">{name}</td>
                <td className="py-1.5 pr-3 text-xs text-zinc-500">{spec.type}</td>
                <td className="py-1.5 pr-3 text-zinc-700">{spec.description}</td>
                <td className="py-1.5 text-right">
                  <button
                    type="button"
                    onClick={() => onUse(name)}
                    className="text-xs whitespace-nowrap text-spark-700 hover:underline"
                    aria-label={`Add a condition on ${name}`}
                  >
                    + condition
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ConditionRow({
  index,
  row,
  variables,
  state,
  onChange,
  onRemove,
}: {
  index: number;
  row: Row;
  variables: Record<string, VariableSpec>;
  state: FormState;
  onChange: (change: Partial<Row>) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const spec = variables[row.variable];
  const operators = spec
    ? operatorsByType[spec.type]
    : (Object.values(operatorsByType)
        .flat()
        .filter((op, i, all) => all.indexOf(op) === i) as ConditionOperator[]);
  const prefix = `conditions.${index}`;
  // A row's errors were found in the whole row (a value is checked against its variable's type), so
  // they go as soon as any of its fields differs from what was submitted at this position.
  const sent = (field: string) => (state.status === "invalid" ? state.values[`${prefix}.${field}`] : undefined);
  const unchanged =
    sent("variable") === row.variable &&
    sent("operator") === row.operator &&
    (takesNoValue(row.operator) || (sent("value") ?? "") === row.value);
  const rowError = (field: "variable" | "operator" | "value") =>
    unchanged && state.status === "invalid" ? state.fieldErrors[`${prefix}.${field}`]?.[0] : undefined;
  const errors = (["variable", "operator", "value"] as const).map(rowError).filter(Boolean);
  const control = (invalid: boolean) =>
    `rounded-md border-0 bg-white px-2.5 py-1.5 text-sm shadow-xs ring-1 ring-inset ${invalid ? "ring-red-400" : "ring-zinc-300"} focus:ring-2 focus:ring-spark-500`;
  return (
    <div
      role="group"
      aria-label={`Condition ${index + 1}`}
      aria-describedby={errors.length > 0 ? `${id}-error` : undefined}
      className="space-y-1"
    >
      <div className="flex flex-wrap items-center gap-2">
        <select
          name={`${prefix}.variable`}
          aria-label={`Condition ${index + 1} variable`}
          value={row.variable}
          onChange={(e) => {
            const type = variables[e.target.value]?.type;
            const operator =
              type && !operatorsByType[type].includes(row.operator) ? operatorsByType[type][0]! : row.operator;
            onChange({ variable: e.target.value, operator });
          }}
          className={`${control(!!rowError("variable"))} font-mono`}
        >
          {spec ? null : (
            <option value={row.variable}>{row.variable ? `${row.variable} (not in this source)` : "Choose…"}</option>
          )}
          {Object.keys(variables).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <select
          name={`${prefix}.operator`}
          aria-label={`Condition ${index + 1} operator`}
          value={row.operator}
          onChange={(e) => onChange({ operator: e.target.value as ConditionOperator })}
          className={control(!!rowError("operator"))}
        >
          {operators.includes(row.operator) ? null : <option value={row.operator}>{row.operator}</option>}
          {operators.map((op) => (
            <option key={op} value={op}>
              {op}
            </option>
          ))}
        </select>
        {takesNoValue(row.operator) ? null : spec?.type === "boolean" ? (
          <select
            name={`${prefix}.value`}
            aria-label={`Condition ${index + 1} value`}
            value={row.value}
            onChange={(e) => onChange({ value: e.target.value })}
            className={control(!!rowError("value"))}
          >
            <option value="">Choose…</option>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : (
          <input
            name={`${prefix}.value`}
            aria-label={`Condition ${index + 1} value`}
            value={row.value}
            onChange={(e) => onChange({ value: e.target.value })}
            placeholder={spec ? valueHint[spec.type] : "value"}
            inputMode={spec?.type === "number" ? "decimal" : undefined}
            maxLength={1000}
            className={`${control(!!rowError("value"))} min-w-40 flex-1`}
          />
        )}
        <Button type="button" variant="ghost" onClick={onRemove} aria-label={`Remove condition ${index + 1}`}>
          Remove
        </Button>
      </div>
      {errors.length > 0 ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}
