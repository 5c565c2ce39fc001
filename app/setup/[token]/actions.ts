"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { parseForm } from "@/app/_server/forms";
import { clientIp, setSessionCookie } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { readAccountToken, redeemAccountToken } from "@/spark/accounts/accounts";
import { acceptInviteInput, setupInput } from "@/spark/accounts/schemas";
import { startSession } from "@/spark/accounts/sessions";

const gone = {
  used: "This link has already been used. Sign in instead, or ask an admin for a new one.",
  expired:
    "This link has expired. Ask an admin for a new one (for the first admin: restart the server to print a new link).",
  unknown: "This link is not valid. Check that you copied all of it.",
} as const;

/** Redeems a setup or invite link: the first admin's account, or an invited operator's password, then signs in. */
export async function redeemLink(token: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const { deps, config } = await getEngine();
  const state = await readAccountToken(deps, { token });
  if (state.status !== "valid") return { status: "error", message: gone[state.status] };
  let input: { email?: string; password: string };
  if (state.purpose === "setup") {
    const parsed = parseForm(setupInput, formData);
    if (!parsed.ok) return parsed.state;
    input = parsed.data;
  } else {
    const parsed = parseForm(acceptInviteInput, formData);
    if (!parsed.ok) return parsed.state;
    input = parsed.data;
  }
  const result = await redeemAccountToken(deps, { token, ...input });
  if (result.status !== "ok") return { status: "error", message: gone[result.status] };
  const session = await startSession(deps, {
    userId: result.user.id,
    days: config.sessionDays,
    ip: await clientIp(),
    userAgent: (await headers()).get("user-agent"),
  });
  await setSessionCookie(session.token, session.expiresAt);
  redirect("/");
}
