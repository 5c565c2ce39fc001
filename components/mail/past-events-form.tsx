"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

type Result = { ok: true; count: number; message: string } | { ok: false; message: string };
type Range = { id: string; from: string; to: string };

/**
 * "Send for past events": events recorded before the template existed (or while it was a draft) never
 * get its mail otherwise. The count comes first; the operator queues that many, once each.
 */
export function PastEventsForm({
  templateId,
  active,
  defaultFrom,
  defaultTo,
  count,
  send,
}: {
  templateId: string;
  active: boolean;
  defaultFrom: string;
  defaultTo: string;
  count: (range: Range) => Promise<Result>;
  send: (range: Range) => Promise<Result>;
}) {
  const [from, setFrom] = useState(defaultFrom);
  const [to, setTo] = useState(defaultTo);
  const [counted, setCounted] = useState<(Result & { range: Range }) | null>(null);
  const [sent, setSent] = useState<Result | null>(null);
  const [pending, startTransition] = useTransition();
  const range = { id: templateId, from, to };
  // A count belongs to the range it was made for: changing a date asks again.
  const current = counted && counted.range.from === from && counted.range.to === to ? counted : null;

  if (!active)
    return <p className="text-sm text-zinc-600">Activate the template first: only an active template sends mail.</p>;
  return (
    <div className="space-y-3">
      <div className="grid grid-cols-2 gap-3 sm:max-w-md">
        <TextField label="First day" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="Last day" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
      </div>
      {sent ? <Notice tone={sent.ok ? "success" : "error"}>{sent.message}</Notice> : null}
      {current && !sent ? <Notice tone={current.ok ? "info" : "error"}>{current.message}</Notice> : null}
      <div className="flex gap-2">
        <Button
          type="button"
          variant="secondary"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setSent(null);
              setCounted({ ...(await count(range)), range });
            })
          }
        >
          Count events without this mail
        </Button>
        {current?.ok && current.count > 0 && !sent ? (
          <Button
            type="button"
            disabled={pending}
            onClick={() =>
              startTransition(async () => {
                setSent(await send(range));
              })
            }
          >
            Queue mail for {current.count.toLocaleString("en")} event{current.count === 1 ? "" : "s"}
          </Button>
        ) : null}
      </div>
    </div>
  );
}
