"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";

type LoginAnswer = { ok?: true; error?: string; fieldErrors?: Record<string, string[] | undefined> };

/**
 * Posts to /api/auth/login rather than a server action, because a refused sign-in must answer with a
 * real status (401, 429 with Retry-After) that proxies, scripts and the rate-limit tests can see.
 */
export function LoginForm({ next }: { next: string }) {
  const [pending, setPending] = useState(false);
  const [answer, setAnswer] = useState<LoginAnswer | null>(null);
  const [email, setEmail] = useState("");
  // A field error was found in the submitted value: editing the field drops it.
  const dropFieldError = (name: string) =>
    setAnswer((a) => (a?.fieldErrors?.[name] ? { ...a, fieldErrors: { ...a.fieldErrors, [name]: undefined } } : a));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    try {
      const response = await fetch("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
      });
      const body = (await response.json().catch(() => ({}))) as LoginAnswer;
      if (response.ok) {
        window.location.assign(next);
        return;
      }
      setAnswer({ ...body, error: body.error ?? `Sign-in failed (HTTP ${response.status}); try again.` });
    } catch {
      setAnswer({ error: "Spark did not answer; check that the server is running and try again." });
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      {answer?.error && !answer.fieldErrors ? <Notice tone="error">{answer.error}</Notice> : null}
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onChange={(e) => {
          setEmail(e.target.value);
          dropFieldError("email");
        }}
        error={answer?.fieldErrors?.email?.[0]}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        onChange={() => dropFieldError("password")}
        error={answer?.fieldErrors?.password?.[0]}
      />
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
