"use client";

import { autocompletion } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { html } from "@codemirror/lang-html";
import { liquid } from "@codemirror/lang-liquid";
import { MySQL, PostgreSQL, sql, type SQLNamespace } from "@codemirror/lang-sql";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, highlightActiveLine, keymap, lineNumbers, placeholder as placeholderText } from "@codemirror/view";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";

export type CodeLanguage = "liquid-html" | "liquid-text" | "sql";

/** A connection's tables for SQL completion: schema → table → columns, in the connection's dialect. */
export type SqlCompletionSchema = { dialect: "postgres" | "mysql"; tables: SQLNamespace };

// One empty list for every editor without variables: a new [] per render would rebuild the language.
const NO_VARIABLES: readonly string[] = [];

function languageOf(
  language: CodeLanguage,
  variables: readonly string[],
  sqlSchema: SqlCompletionSchema | null,
): Extension {
  if (language === "sql")
    return sql({
      dialect: sqlSchema?.dialect === "mysql" ? MySQL : PostgreSQL,
      ...(sqlSchema ? { schema: sqlSchema.tables } : {}),
    });
  const completions = { variables: variables.map((label) => ({ label, type: "variable" })) };
  // Closing tags are the author's to type: auto-closing left a stray </h1> after every typed one.
  return language === "liquid-html"
    ? liquid({ base: html({ autoCloseTags: false }), ...completions })
    : liquid(completions);
}

const theme = EditorView.theme({
  "&": { fontSize: "13px", backgroundColor: "white" },
  "&.cm-focused": { outline: "none" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", padding: "8px 0" },
  ".cm-gutters": { backgroundColor: "#fafafa", color: "#a1a1aa", borderRight: "1px solid #e4e4e7" },
  ".cm-scroller": { overflow: "auto" },
});

/** What a form can do to the editor's text from outside: the schema browser inserts, a test result points. */
export type CodeEditorHandle = {
  /** Puts `text` where the cursor is (over the selection) and leaves the cursor after it. */
  insert(text: string): void;
  /** Moves the cursor to a line and column (from 1) and shows it, as where a query failed. */
  goTo(at: { line: number; column: number }): void;
};

/**
 * A CodeMirror editor that behaves like a form field: it posts its text under `name` through a hidden
 * input, takes outside changes to `value` (a restore, an import), and leaves Tab to move focus so a
 * keyboard user is never trapped in it.
 */
export function CodeEditor({
  name,
  value,
  onChange,
  language,
  label,
  variables = NO_VARIABLES,
  sqlSchema = null,
  placeholder,
  invalid,
  describedBy,
  minHeight = "8rem",
  ref,
}: {
  name: string;
  value: string;
  onChange: (value: string) => void;
  language: CodeLanguage;
  label: string;
  variables?: readonly string[];
  /** Tables and columns the SQL completions offer (the schema browser's). */
  sqlSchema?: SqlCompletionSchema | null;
  placeholder?: string;
  invalid?: boolean;
  describedBy?: string;
  minHeight?: string;
  ref?: Ref<CodeEditorHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  const attributesSlot = useRef(new Compartment());
  const attributes = () =>
    EditorView.contentAttributes.of({
      "aria-label": label,
      ...(describedBy ? { "aria-describedby": describedBy } : {}),
      ...(invalid ? { "aria-invalid": "true" } : {}),
    });
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          // No type icons: their glyphs are missing from many fonts and showed as empty boxes.
          autocompletion({ icons: false }),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          languageSlot.current.of(languageOf(language, variables, sqlSchema)),
          theme,
          EditorView.theme({ ".cm-content, .cm-gutter": { minHeight } }),
          attributesSlot.current.of(attributes()),
          placeholder ? placeholderText(placeholder) : [],
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is built once; later props reach it through the effects below, keeping undo history.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useImperativeHandle(ref, () => ({
    insert(text) {
      const editor = view.current;
      if (!editor) return;
      const { from, to } = editor.state.selection.main;
      editor.dispatch({
        changes: { from, to, insert: text },
        selection: { anchor: from + text.length },
        scrollIntoView: true,
      });
      editor.focus();
    },
    goTo({ line, column }) {
      const editor = view.current;
      if (!editor) return;
      const doc = editor.state.doc;
      const target = doc.line(Math.min(Math.max(1, line), doc.lines));
      // Columns count characters; a line's offsets count UTF-16 units.
      const chars = Array.from(target.text).slice(0, Math.max(0, column - 1));
      const anchor = Math.min(target.to, target.from + chars.join("").length);
      editor.dispatch({ selection: { anchor }, scrollIntoView: true });
    },
  }));

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value)
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: languageSlot.current.reconfigure(languageOf(language, variables, sqlSchema)) });
  }, [language, variables, sqlSchema]);

  useEffect(() => {
    view.current?.dispatch({ effects: attributesSlot.current.reconfigure(attributes()) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [label, invalid, describedBy]);

  return (
    <div
      className={`overflow-hidden rounded-md ring-1 ring-inset focus-within:ring-2 ${invalid ? "ring-red-400" : "ring-zinc-300 focus-within:ring-spark-500"}`}
    >
      <input type="hidden" name={name} value={value} />
      <div ref={host} />
    </div>
  );
}
