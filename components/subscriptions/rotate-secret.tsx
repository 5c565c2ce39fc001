"use client";

import { useActionState, useState } from "react";
import { idleState, type FormState } from "@/components/forms/form-state";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { useSubmitOnce } from "@/components/ui/submit-once";
import { SecretBox } from "./secret-box";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;

/**
 * Rotates a webhook's signing secret after a confirmation. `seen` is the rotation state the page was
 * loaded with, so a second press or a replayed post finds it changed and rotates nothing.
 */
export function RotateSecret({ id, seen, action }: { id: string; seen: string; action: Action }) {
  const [asking, setAsking] = useState(false);
  const [state, formAction, pending] = useActionState(action, idleState);
  const onSubmit = useSubmitOnce(pending);
  if (state.status === "ok" && state.message)
    return (
      <SecretBox secret={state.message} label="New signing secret">
        <p className="text-sm text-emerald-900">
          The previous secret keeps signing for 24 hours (both signatures are sent), so receivers can switch without
          losing a request.
        </p>
      </SecretBox>
    );
  if (!asking)
    return (
      <Button type="button" variant="secondary" onClick={() => setAsking(true)}>
        Rotate secret…
      </Button>
    );
  return (
    <form
      action={formAction}
      onSubmit={onSubmit}
      className="space-y-3 rounded-md bg-amber-50 p-4 ring-1 ring-amber-200 ring-inset"
    >
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="seen" value={seen} />
      <p className="text-sm text-amber-900">
        Make a new signing secret? It is shown once. The current one keeps working for 24 hours, then only the new one
        signs.
      </p>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {pending ? "Rotating…" : "Rotate the secret"}
        </Button>
        <Button type="button" variant="secondary" onClick={() => setAsking(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
