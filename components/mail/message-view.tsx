"use client";

import { useState } from "react";
import { HtmlFrame } from "./html-frame";

/** A sent or captured message's bodies, switchable between the HTML (sandboxed), the text and the raw source. */
export function MessageView({ html, text, raw }: { html: string; text: string; raw?: string }) {
  const tabs = [...(html ? (["HTML"] as const) : []), "Text" as const, ...(raw ? (["Source"] as const) : [])];
  const [tab, setTab] = useState<(typeof tabs)[number]>(tabs[0]!);
  return (
    <div className="space-y-3">
      <div role="tablist" aria-label="Message body" className="flex gap-2 border-b border-zinc-200 text-sm">
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
            className={`-mb-px border-b-2 px-2 py-1 ${tab === t ? "border-spark-600 font-medium" : "border-transparent text-zinc-600"}`}
          >
            {t}
          </button>
        ))}
      </div>
      {tab === "HTML" ? <HtmlFrame html={html} title="HTML body" className="h-[32rem]" /> : null}
      {tab === "Text" ? (
        <pre className="max-h-[32rem] overflow-auto rounded-md bg-zinc-50 p-3 text-sm whitespace-pre-wrap ring-1 ring-zinc-200">
          {text}
        </pre>
      ) : null}
      {tab === "Source" ? (
        <pre className="max-h-[32rem] overflow-auto rounded-md bg-zinc-50 p-3 font-mono text-xs whitespace-pre-wrap ring-1 ring-zinc-200">
          {raw}
        </pre>
      ) : null}
    </div>
  );
}
