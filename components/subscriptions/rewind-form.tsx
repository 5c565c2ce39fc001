"use client";

import { useState } from "react";
import { currentFieldError, type FormState } from "@/components/forms/form-state";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { useSubmitOnce } from "@/components/ui/submit-once";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type Target = "now" | "beginning" | "time";

/**
 * Moves the checkpoint in two steps: the first press asks the server how many events that re-sends, and
 * only the second, which carries that count back, applies it. Changing the target drops the question.
 */
export function RewindForm({ id, version, action }: { id: string; version: number; action: Action }) {
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const once = useSubmitOnce(pending);
  const [to, setTo] = useState<Target>("now");
  const [at, setAt] = useState("");
  const asked =
    state.status === "invalid" && state.fieldErrors.confirmedCount && state.values.to === to && state.values.at === at
      ? { message: state.fieldErrors.confirmedCount[0]!, resend: state.values.resend!, version: state.values.version! }
      : null;
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        once(event);
        if (!event.defaultPrevented) onSubmit(event);
      }}
      className="space-y-3"
      aria-label="Rewind"
      noValidate
    >
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="version" value={asked?.version ?? String(version)} />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-zinc-800">Move the checkpoint to</legend>
        <div className="flex flex-wrap gap-x-5 gap-y-2 text-sm">
          {(
            [
              ["now", "Now (skip what is waiting)"],
              ["beginning", "The beginning"],
              ["time", "A time"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-2">
              <input
                type="radio"
                name="to"
                value={value}
                checked={to === value}
                onChange={() => setTo(value)}
                className="size-4 accent-spark-600"
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      {to === "time" ? (
        <div className="max-w-xs">
          <TextField
            label="Events recorded from (UTC)"
            name="at"
            type="datetime-local"
            value={at}
            onChange={(e) => setAt(e.target.value)}
            error={currentFieldError(state, "at", at)}
          />
        </div>
      ) : (
        <input type="hidden" name="at" value="" />
      )}
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "ok" && state.message ? <Notice tone="success">{state.message}</Notice> : null}
      {asked ? (
        <div role="alert" className="space-y-3 rounded-md bg-amber-50 p-4 text-sm ring-1 ring-amber-200 ring-inset">
          <p className="text-amber-900">{asked.message}</p>
          <Button type="submit" name="confirmedCount" value={asked.resend} variant="danger" disabled={pending}>
            {pending ? "Rewinding…" : `Rewind, re-sending ${Number(asked.resend).toLocaleString("en")} events`}
          </Button>
        </div>
      ) : (
        <Button type="submit" variant="secondary" disabled={pending}>
          {pending ? "Counting…" : "Rewind…"}
        </Button>
      )}
    </form>
  );
}
