"use client";

import { useActionState } from "react";
import { idleState, type FormState } from "@/components/forms/form-state";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

/** A switch in the list: flipping it posts at once, and the row shows the new state after revalidation. */
export function ActiveToggle({
  id,
  name,
  active,
  action,
}: {
  id: string;
  name: string;
  active: boolean;
  action: Action;
}) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form action={formAction} className="flex items-center gap-2">
      <input type="hidden" name="id" value={id} />
      <button
        type="submit"
        role="switch"
        aria-checked={active}
        aria-label={`Active: ${name}`}
        disabled={pending}
        className={`relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-spark-600 disabled:opacity-60 ${active ? "bg-spark-600" : "bg-zinc-300"}`}
      >
        <span
          className={`inline-block size-4 rounded-full bg-white shadow-sm transition ${active ? "translate-x-4.5" : "translate-x-0.5"}`}
        />
      </button>
      <span className="text-xs text-zinc-600">{active ? "Active" : "Paused"}</span>
      {state.status === "error" ? (
        <span role="alert" className="text-xs text-red-700">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
