"use client";

import type { PartialInput, PartialPreview } from "@/spark/mail/partials";
import { useEffect, useRef, useState, useTransition } from "react";
import { currentFieldError, fieldValue, type FormState } from "@/components/forms/form-state";
import { useFormAction } from "@/components/forms/use-form-action";
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
  version,
  sampleContext,
  submitLabel,
}: {
  save: SaveAction;
  preview: PartialPreviewAction;
  initial: PartialInput;
  /** The stored version the form was loaded at, posted back so a save over a newer one is refused; null when new. */
  version: number | null;
  sampleContext: string;
  submitLabel: string;
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(save);
  const [fields, setFields] = useState(initial);
  const [contextJson, setContextJson] = useState(sampleContext);
  // The preview with the body it was rendered from: its error belongs to that body only.
  const [rendered, setRendered] = useState<{ preview: PartialPreview; body: string } | null>(null);
  const result = rendered?.preview ?? null;
  const [rendering, startRender] = useTransition();
  const latest = useRef(0);

  useEffect(() => {
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      startRender(async () => {
        try {
          const next = await preview(fields, contextJson);
          if (ticket === latest.current) setRendered({ preview: next, body: fields.body });
        } catch {
          if (ticket === latest.current)
            setRendered({
              preview: { html: null, error: "The preview could not reach the server; check that Spark is running." },
              body: fields.body,
            });
        }
      });
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [fields, contextJson, preview]);

  const set =
    <K extends keyof PartialInput>(key: K) =>
    (value: PartialInput[K]) =>
      setFields((f) => ({ ...f, [key]: value }));
  const bodyError =
    currentFieldError(state, "body", fields.body) ??
    (rendered && rendered.body === fields.body ? (rendered.preview.error ?? undefined) : undefined);
  const shownErrors = (["name", "kind", "body"] as const).some((name) => currentFieldError(state, name, fields[name]));

  return (
    <div className="grid gap-6 xl:grid-cols-2">
      <form
        action={formAction}
        onSubmit={onSubmit}
        className="space-y-5 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
        noValidate
      >
        {version === null ? null : (
          <input type="hidden" name="version" value={fieldValue(state, "version") ?? String(version)} />
        )}
        {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
        {state.status === "invalid" && shownErrors ? (
          <Notice tone="error">Fix the fields marked below; it was not saved.</Notice>
        ) : null}
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Name"
            name="name"
            value={fields.name}
            onChange={(e) => set("name")(e.target.value)}
            error={currentFieldError(state, "name", fields.name)}
            hint="Lowercase letters, digits, _ - ."
            className="font-mono"
            maxLength={100}
          />
          <SelectField
            label="Kind"
            name="kind"
            value={fields.kind}
            onChange={(e) => set("kind")(e.target.value as PartialInput["kind"])}
            error={currentFieldError(state, "kind", fields.kind)}
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
