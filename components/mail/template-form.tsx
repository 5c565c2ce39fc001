"use client";

import { useEffect, useMemo, useRef, useState, useTransition } from "react";
import { currentFieldError, fieldValue, type FormState } from "@/components/forms/form-state";
import { useFormAction } from "@/components/forms/use-form-action";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { CodeEditor, type CodeLanguage } from "@/components/ui/code-editor";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import type { PreviewContext, TemplateFields, TemplatePreview } from "@/spark/mail/templates";
import { HtmlFrame } from "./html-frame";
import { oneTimeToken } from "@/components/forms/one-time-token";

export type PreviewAction = (fields: TemplateFields, context: PreviewContext) => Promise<TemplatePreview>;
export type SendTestAction = (
  fields: TemplateFields,
  context: PreviewContext,
  address: string,
  /** One per click: a doubled or replayed request sends nothing twice. */
  token: string,
) => Promise<{ ok: true; message: string } | { ok: false; message: string }>;
type SaveAction = (prev: FormState, data: FormData) => Promise<FormState>;

const PREVIEW_DELAY_MS = 350;

/**
 * The template editor: Liquid fields on the left, and on the right a preview the server re-renders as
 * the operator types, on a real recent event of a matching group or on JSON typed here. Errors from
 * the last save sit under their field; render errors from the preview sit there too, before saving.
 * Each error shows only while its field still holds the value it was found in.
 */
export function TemplateForm({
  save,
  preview,
  sendTest,
  initial,
  version,
  submitLabel,
  defaultFrom,
  layouts,
}: {
  save: SaveAction;
  preview: PreviewAction;
  sendTest: SendTestAction;
  initial: TemplateFields;
  /** The stored version the form was loaded at, posted back so a save over a newer one is refused; null for a new template. */
  version: number | null;
  submitLabel: string;
  defaultFrom: string;
  /** The stored layouts a template can choose. */
  layouts: string[];
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(save);
  const [fields, setFields] = useState(initial);
  const [context, setContext] = useState<PreviewContext>({ kind: "event", eventId: null });
  // The preview together with the fields it was rendered from, so its errors can be matched to them.
  const [rendered, setRendered] = useState<{ preview: TemplatePreview; fields: TemplateFields } | null>(null);
  const result = rendered?.preview ?? null;
  const [rendering, startRender] = useTransition();
  const latest = useRef(0);

  useEffect(() => {
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      startRender(async () => {
        try {
          const next = await preview(fields, context);
          if (ticket === latest.current) setRendered({ preview: next, fields });
        } catch {
          if (ticket === latest.current)
            setRendered((r) =>
              r
                ? {
                    ...r,
                    preview: {
                      ...r.preview,
                      contextError: "The preview could not reach the server; check that Spark is running.",
                    },
                  }
                : r,
            );
        }
      });
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [fields, context, preview]);

  const set =
    <K extends keyof TemplateFields>(key: K) =>
    (value: TemplateFields[K]) =>
      setFields((f) => ({ ...f, [key]: value }));
  const errorOf = (name: Exclude<keyof TemplateFields, "active">) =>
    currentFieldError(state, name, fields[name]) ??
    (rendered && rendered.fields[name] === fields[name] ? rendered.preview.fieldErrors[name] : undefined);
  const shownErrors = (Object.keys(fields) as (keyof TemplateFields)[]).some(
    (name) => name !== "active" && currentFieldError(state, name, fields[name]),
  );
  const previewContext = result?.context;
  const variables = useMemo(() => (previewContext ? flattenPaths(previewContext) : []), [previewContext]);

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
          <Notice tone="error">Fix the fields marked below; the template was not saved.</Notice>
        ) : null}
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Name"
            name="name"
            value={fields.name}
            onChange={(e) => set("name")(e.target.value)}
            error={errorOf("name")}
            maxLength={100}
          />
          <TextField
            label="Event group"
            name="group"
            value={fields.group}
            onChange={(e) => set("group")(e.target.value)}
            error={errorOf("group")}
            hint="Exact, or with * wildcards: challenge_*"
            className="font-mono"
            maxLength={100}
          />
        </div>
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="From"
            name="from"
            value={fields.from}
            onChange={(e) => set("from")(e.target.value)}
            error={errorOf("from")}
            placeholder={defaultFrom}
            hint={`Empty: ${defaultFrom}`}
            className="font-mono"
          />
          <TextField
            label="To"
            name="to"
            value={fields.to}
            onChange={(e) => set("to")(e.target.value)}
            error={errorOf("to")}
            placeholder="{{ owner_email }}"
            hint="Liquid; several addresses separated by commas"
            className="font-mono"
          />
          <TextField
            label="Cc"
            name="cc"
            value={fields.cc}
            onChange={(e) => set("cc")(e.target.value)}
            error={errorOf("cc")}
            className="font-mono"
          />
          <TextField
            label="Bcc"
            name="bcc"
            value={fields.bcc}
            onChange={(e) => set("bcc")(e.target.value)}
            error={errorOf("bcc")}
            className="font-mono"
          />
          <TextField
            label="Reply-To"
            name="replyTo"
            value={fields.replyTo}
            onChange={(e) => set("replyTo")(e.target.value)}
            error={errorOf("replyTo")}
            className="font-mono"
          />
        </div>
        <LiquidField
          name="subject"
          label="Subject"
          language="liquid-text"
          value={fields.subject}
          onChange={set("subject")}
          error={errorOf("subject")}
          variables={variables}
          minHeight="1.5rem"
        />
        <SelectField
          label="Layout"
          name="layout"
          value={fields.layout}
          onChange={(e) => set("layout")(e.target.value)}
          error={errorOf("layout")}
          hint="The HTML body is placed in the layout's {{ content }}. Templates → Partials and layouts lists them."
        >
          <option value="">None</option>
          {[...new Set([...layouts, fields.layout].filter(Boolean))].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </SelectField>
        <LiquidField
          name="html"
          label="HTML body"
          language="liquid-html"
          value={fields.html}
          onChange={set("html")}
          error={errorOf("html")}
          variables={variables}
          minHeight="14rem"
          hint="Variables are HTML-escaped here."
        />
        <LiquidField
          name="text"
          label="Text body"
          language="liquid-text"
          value={fields.text}
          onChange={set("text")}
          error={errorOf("text")}
          variables={variables}
          minHeight="6rem"
          hint="Leave empty to derive it from the HTML body. Variables are not escaped here."
        />
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="active"
            checked={fields.active}
            onChange={(e) => set("active")(e.target.checked)}
            className="size-4 accent-spark-600"
          />
          Active: new events of a matching group send this mail
        </label>
        <div className="flex gap-2 border-t border-zinc-100 pt-4">
          <Button type="submit" disabled={pending}>
            {pending ? "Saving…" : submitLabel}
          </Button>
        </div>
      </form>
      <div className="space-y-4 xl:sticky xl:top-6 xl:self-start">
        <PreviewPanel result={result} rendering={rendering} context={context} setContext={setContext} />
        <SendTest sendTest={sendTest} fields={fields} context={context} />
      </div>
    </div>
  );
}

function LiquidField({
  name,
  label,
  language,
  value,
  onChange,
  error,
  variables,
  minHeight,
  hint,
}: {
  name: string;
  label: string;
  language: CodeLanguage;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  variables: string[];
  minHeight: string;
  hint?: string;
}) {
  const helpId = `${name}-help`;
  return (
    <div className="space-y-1.5">
      <p className="text-sm font-medium text-zinc-800">{label}</p>
      <CodeEditor
        name={name}
        label={label}
        language={language}
        value={value}
        onChange={onChange}
        invalid={!!error}
        describedBy={helpId}
        variables={variables}
        minHeight={minHeight}
      />
      <p id={helpId} className={`text-sm ${error ? "text-red-700" : "text-zinc-500"}`}>
        {error ?? hint}
      </p>
    </div>
  );
}

function PreviewPanel({
  result,
  rendering,
  context,
  setContext,
}: {
  result: TemplatePreview | null;
  rendering: boolean;
  context: PreviewContext;
  setContext: (c: PreviewContext) => void;
}) {
  const mail = result?.mail;
  const [tab, setTab] = useState<"html" | "text">("html");
  return (
    <section
      aria-labelledby="template-preview"
      className="space-y-4 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
    >
      <div className="flex items-center justify-between gap-2">
        <h2 id="template-preview" className="text-base font-semibold text-zinc-900">
          Preview
        </h2>
        <span className="text-xs text-zinc-500" aria-live="polite">
          {rendering ? "rendering…" : result ? "up to date" : ""}
        </span>
      </div>
      <ContextPicker result={result} context={context} setContext={setContext} />
      {result?.contextError ? <Notice tone="error">{result.contextError}</Notice> : null}
      {mail ? (
        <div className="space-y-3" data-testid="template-preview">
          <dl className="space-y-1 text-sm">
            <Header label="Subject" value={mail.subject} strong />
            <Header label="From" value={mail.from} />
            <Header label="To" value={mail.to.join(", ") || "—"} />
            {mail.cc.length > 0 ? <Header label="Cc" value={mail.cc.join(", ")} /> : null}
            {mail.bcc.length > 0 ? <Header label="Bcc" value={mail.bcc.join(", ")} /> : null}
            {mail.replyTo.length > 0 ? <Header label="Reply-To" value={mail.replyTo.join(", ")} /> : null}
          </dl>
          <div role="tablist" aria-label="Body" className="flex gap-2 border-b border-zinc-200 text-sm">
            {(["html", "text"] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                onClick={() => setTab(t)}
                className={`-mb-px border-b-2 px-2 py-1 ${tab === t ? "border-spark-600 font-medium" : "border-transparent text-zinc-600"}`}
              >
                {t === "html" ? "HTML" : "Text"}
              </button>
            ))}
          </div>
          {tab === "html" ? (
            <HtmlFrame html={mail.html} title="HTML body preview" />
          ) : (
            <div className="space-y-1">
              {mail.textDerived ? <Badge>derived from the HTML</Badge> : null}
              <pre
                className="max-h-96 overflow-auto rounded-md bg-zinc-50 p-3 text-sm whitespace-pre-wrap ring-1 ring-zinc-200"
                data-testid="preview-text"
              >
                {mail.text}
              </pre>
            </div>
          )}
        </div>
      ) : result && Object.keys(result.fieldErrors).length > 0 ? (
        <Notice tone="error">The template does not render yet: see the messages under the fields.</Notice>
      ) : null}
    </section>
  );
}

function Header({ label, value, strong }: { label: string; value: string; strong?: boolean }) {
  return (
    <div className="flex gap-2">
      <dt className="w-20 shrink-0 text-zinc-500">{label}</dt>
      <dd
        className={`min-w-0 wrap-anywhere ${strong ? "font-medium text-zinc-900" : "text-zinc-800"}`}
        data-testid={`preview-${label.toLowerCase()}`}
      >
        {value}
      </dd>
    </div>
  );
}

function ContextPicker({
  result,
  context,
  setContext,
}: {
  result: TemplatePreview | null;
  context: PreviewContext;
  setContext: (c: PreviewContext) => void;
}) {
  const events = result?.events ?? [];
  const json = context.kind === "json" ? context.json : JSON.stringify(result?.context ?? {}, null, 2);
  return (
    <div className="space-y-2 text-sm">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-1.5">
          <input
            type="radio"
            name="context-kind"
            checked={context.kind === "event"}
            onChange={() => setContext({ kind: "event", eventId: result?.eventId ?? null })}
            className="accent-spark-600"
          />
          A recent event
        </label>
        <label className="flex items-center gap-1.5">
          <input
            type="radio"
            name="context-kind"
            checked={context.kind === "json"}
            onChange={() => setContext({ kind: "json", json })}
            className="accent-spark-600"
          />
          JSON I edit
        </label>
      </div>
      {context.kind === "event" ? (
        events.length === 0 ? (
          <p className="text-zinc-500">No event of a matching group yet: switch to JSON, or run the job first.</p>
        ) : (
          <select
            aria-label="Event for the preview"
            value={result?.eventId ?? ""}
            onChange={(e) => setContext({ kind: "event", eventId: Number(e.target.value) })}
            className="block w-full rounded-md border-0 px-2.5 py-1.5 font-mono text-xs ring-1 ring-zinc-300 ring-inset"
          >
            {events.map((e) => (
              <option key={e.id} value={e.id}>
                {e.key} · {e.createdAt.slice(0, 16).replace("T", " ")}
              </option>
            ))}
          </select>
        )
      ) : (
        <CodeEditor
          name="context-json"
          label="Preview context (JSON)"
          language="liquid-text"
          value={context.json}
          onChange={(value) => setContext({ kind: "json", json: value })}
          minHeight="6rem"
        />
      )}
    </div>
  );
}

function SendTest({
  sendTest,
  fields,
  context,
}: {
  sendTest: SendTestAction;
  fields: TemplateFields;
  context: PreviewContext;
}) {
  const [address, setAddress] = useState("");
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const [sending, startSend] = useTransition();
  return (
    <section aria-labelledby="send-test" className="space-y-3 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200">
      <h2 id="send-test" className="text-base font-semibold text-zinc-900">
        Send a test
      </h2>
      <p className="text-sm text-zinc-500">
        Renders the form as it is now with the preview&apos;s context and sends it to one address, logged as a test
        delivery.
      </p>
      <div className="flex flex-wrap items-end gap-2">
        <div className="min-w-56 flex-1">
          <TextField
            label="Test address"
            type="email"
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            placeholder="you@example.com"
          />
        </div>
        <Button
          type="button"
          variant="secondary"
          disabled={sending || address.trim() === ""}
          onClick={() =>
            startSend(async () => {
              try {
                setOutcome(await sendTest(fields, context, address.trim(), oneTimeToken()));
              } catch {
                setOutcome({ ok: false, message: "The server did not answer; try again." });
              }
            })
          }
        >
          {sending ? "Sending…" : "Send test"}
        </Button>
      </div>
      {outcome ? <Notice tone={outcome.ok ? "success" : "error"}>{outcome.message}</Notice> : null}
    </section>
  );
}

/** `challenge.title`, `owner_email`, …: the paths a template can print, for the editors' completion. */
function flattenPaths(value: Record<string, unknown>, prefix = "", depth = 0): string[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return v && typeof v === "object" && !Array.isArray(v) && depth < 3
      ? [path, ...flattenPaths(v as Record<string, unknown>, path, depth + 1)]
      : [path];
  });
}
