"use client";

import type { PartialInput, PartialPreview } from "@/spark/mail/partials";
import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { fieldError, idleState, type FormState } from "@/components/forms/form-state";
import { Button } from "@/components/ui/button";
import { CodeEditor } from "@/components/ui/code-editor";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { HtmlFrame } from "./html-frame";

export type PartialPreviewAction = (fields: PartialInput, contextJson: string) => Promise<PartialPreview>;
type SaveAction = (prev: FormState, data: FormData) => Promise<FormState>;

const PREVIEW_DELAY_MS = 350;

/** A partial's or layout's editor: the Liquid body on the left, its render with a sample context on the right. */
export function PartialForm({
  save,
  preview,
  initial,
  sampleContext,
  submitLabel,
}: {
  save: SaveAction;
  preview: PartialPreviewAction;
  initial: PartialInput;
  sampleContext: string;
  submitLabel: string;
}) {
  const [state, formAction, pending] = useActionState(save, idleState);
  const [fields, setFields] = useState(initial);
  const [contextJson, setContextJson] = useState(sampleContext);
  const [result, setResult] = useState<PartialPreview | null>(null);
  const [rendering, startRender] = useTransition();
  const latest = useRef(0);

  useEffect(() => {
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      startRender(async () => {
        try {
          const next = await preview(fields, contextJson);
          if (ticket === latest.current) setResult(next);
        } catch {
          if (ticket === latest.current)
            setResult({ html: null, error: "The preview could not reach the server; check that Spark is running." });
        }
      });
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [fields, contextJson, preview]);

  const set =
    <K extends keyof PartialInput>(key: K) =>
    (value: PartialInput[K]) =>
      setFields((f) => ({ ...f, [key]: value }));
  const bodyError = fieldError(state, "body") ?? result?.error ?? undefined;

  return (
    <div className="grid gap-6 xl:grid-cols-2">
      <form action={formAction} className="space-y-5 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200" noValidate>
        {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
        {state.status === "invalid" ? (
          <Notice tone="error">Fix the fields marked below; it was not saved.</Notice>
        ) : null}
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Name"
            name="name"
            value={fields.name}
            onChange={(e) => set("name")(e.target.value)}
            error={fieldError(state, "name")}
            hint="Lowercase letters, digits, _ - ."
            className="font-mono"
            maxLength={100}
          />
          <SelectField
            label="Kind"
            name="kind"
            value={fields.kind}
            onChange={(e) => set("kind")(e.target.value as PartialInput["kind"])}
            error={fieldError(state, "kind")}
          >
            <option value="partial">Partial: {"{% include 'name' %}"}</option>
            <option value="layout">Layout: HTML around {"{{ content }}"}</option>
          </SelectField>
        </div>
        <div className="space-y-1.5">
          <p className="text-sm font-medium text-zinc-800">Body</p>
          <CodeEditor
            name="body"
            label="Body"
            language="liquid-html"
            value={fields.body}
            onChange={set("body")}
            invalid={!!bodyError}
            describedBy="body-help"
            variables={[]}
            minHeight="16rem"
          />
          <p id="body-help" className={`text-sm ${bodyError ? "text-red-700" : "text-zinc-500"}`}>
            {bodyError ??
              (fields.kind === "layout"
                ? "Put {{ content }} where a template's HTML body goes."
                : "Templates pull it in with {% include 'name' %} or {% render 'name' %}.")}
          </p>
        </div>
        <div className="flex gap-2 border-t border-zinc-100 pt-4">
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : submitLabel}
          </Button>
        </div>
      </form>
      <section
        aria-labelledby="partial-preview"
        className="space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200 xl:sticky xl:top-6 xl:self-start"
      >
        <div className="flex items-center justify-between gap-2">
          <h2 id="partial-preview" className="text-base font-semibold text-zinc-900">
            Preview
          </h2>
          <span className="text-xs text-zinc-500" aria-live="polite">
            {rendering ? "rendering…" : result ? "up to date" : ""}
          </span>
        </div>
        <CodeEditor
          name="sample-context"
          label="Sample context (JSON)"
          language="liquid-text"
          value={contextJson}
          onChange={setContextJson}
          minHeight="5rem"
        />
        {result?.html ? (
          <HtmlFrame html={result.html} title="Partial preview" />
        ) : result?.error ? (
          <Notice tone="error">It does not render yet: see the message under the body.</Notice>
        ) : null}
      </section>
    </div>
  );
}
