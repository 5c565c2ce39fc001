"use client";

import type { FormEvent, ReactNode } from "react";
import { Notice } from "@/components/ui/notice";
import { useSubmitOnce } from "@/components/ui/submit-once";
import type { FormState } from "./form-state";

/**
 * The frame of a form that creates something: submitted once however often it is clicked, with the
 * server's refusal on top (a sentence, or "fix the fields" when the errors sit by their fields).
 */
export function CreateForm({
  state,
  formAction,
  onSubmit,
  pending,
  children,
  nothing = "created",
}: {
  state: FormState;
  formAction: (data: FormData) => void;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  pending: boolean;
  children: ReactNode;
  /** What a refusal left undone: an edit form says nothing was saved. */
  nothing?: "created" | "saved";
}) {
  const once = useSubmitOnce(pending);
  return (
    <form
      action={formAction}
      onSubmit={(event) => {
        once(event);
        if (!event.defaultPrevented) onSubmit(event);
      }}
      className="min-w-0 space-y-6 rounded-lg bg-white p-5 shadow-xs ring-1 ring-zinc-200"
      noValidate
    >
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "invalid" ? (
        <Notice tone="error">Fix the fields marked below; nothing was {nothing}.</Notice>
      ) : null}
      {children}
    </form>
  );
}
