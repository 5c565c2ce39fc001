"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { useId, type ReactNode } from "react";

/**
 * A webhook signing secret, shown this once: it lives only in the state of the form that received it,
 * so a reload, another page or another operator never sees it again.
 */
export function SecretBox({ secret, label, children }: { secret: string; label: string; children?: ReactNode }) {
  const id = useId();
  return (
    <section
      aria-label={label}
      className="min-w-0 space-y-3 rounded-md bg-emerald-50 p-4 ring-1 ring-emerald-200 ring-inset"
    >
      <p className="text-sm font-semibold text-emerald-900">
        Copy the signing secret now: you will not see it again. Spark keeps it sealed and never shows it.
      </p>
      <div className="flex min-w-0 items-center gap-2">
        <label htmlFor={id} className="sr-only">
          Signing secret
        </label>
        <input
          id={id}
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md bg-white px-3 py-2 font-mono text-sm ring-1 ring-emerald-300 ring-inset"
        />
        <CopyButton text={secret} label="Copy the signing secret" />
      </div>
      <p className="text-sm text-emerald-900">
        Each request carries <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code>{" "}
        headers (Standard Webhooks). Verify them with any Standard Webhooks library, such as{" "}
        <code>new Webhook(secret).verify(body, headers)</code> from the <code>standardwebhooks</code> package, on the
        raw body before parsing it; <code>webhook-id</code> stays the same when an event is sent again.
      </p>
      {children}
    </section>
  );
}
