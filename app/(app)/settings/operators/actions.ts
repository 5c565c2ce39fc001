"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { invalidField, parseForm } from "@/app/_server/forms";
import { requireAdmin } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import {
  createOperator,
  inviteOperator,
  reissueInvite,
  setOperatorDisabled,
  setOperatorRole,
  type AccessResult,
} from "@/spark/accounts/accounts";
import { loadedVersion } from "@/spark/stale-edits";
import { createOperatorInput, inviteOperatorInput, roleField } from "@/spark/accounts/schemas";
import { liftThrottle } from "@/spark/accounts/throttle";

const PATH = "/settings/operators";

export async function createOperatorAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = parseForm(createOperatorInput, formData);
  if (!parsed.ok) return parsed.state;
  const { deps } = await getEngine();
  const user = await createOperator(deps, { ...parsed.data, createdBy: operator.id });
  if (!user) return invalidField(formData, "email", "An operator with this email already exists.");
  revalidatePath(PATH);
  return { status: "ok", message: `${user.email} can sign in now with the password you chose.` };
}

export async function inviteOperatorAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = parseForm(inviteOperatorInput, formData);
  if (!parsed.ok) return parsed.state;
  const { deps, config } = await getEngine();
  const invite = await inviteOperator(deps, { ...parsed.data, createdBy: operator.id, publicUrl: config.publicUrl });
  if (!invite) return invalidField(formData, "email", "An operator with this email already exists.");
  revalidatePath(PATH);
  return { status: "ok", message: inviteMessage(invite.user.email, invite.url, invite.expiresAt) };
}

function inviteMessage(email: string, url: string, expiresAt: Date) {
  return `Send this link to ${email}; it works once, until ${expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC:\n${url}`;
}

const operatorId = z.object({ userId: z.uuid("Unknown operator.") });
/** The operator as the admin's page showed them: a change to someone changed since is refused. */
const operatorAt = z.object({ userId: z.uuid("Unknown operator."), version: loadedVersion.unwrap() });

function accessState(result: AccessResult, done: string): FormState {
  switch (result.status) {
    case "self":
      return { status: "error", message: "You cannot disable your own account." };
    case "last-admin":
      return { status: "error", message: "This is the last active admin; make another operator admin first." };
    case "unknown":
      return { status: "error", message: "Unknown operator; reload the page." };
    case "stale":
      return {
        status: "error",
        message: `${result.message} Nothing was changed; reload the page to see them as they are now.`,
      };
    case "ok":
      return { status: "ok", message: done };
  }
}

export async function setDisabledAction(disabled: boolean, _prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = parseForm(operatorAt, formData);
  if (!parsed.ok) return { status: "error", message: "Unknown operator; reload the page." };
  const { deps } = await getEngine();
  const result = await setOperatorDisabled(deps, { actorId: operator.id, ...parsed.data, disabled });
  if (result.status === "ok") revalidatePath(PATH);
  return accessState(result, disabled ? "Disabled; their sessions have ended." : "Enabled.");
}

export async function setRoleAction(
  role: z.infer<typeof roleField>,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = parseForm(operatorAt, formData);
  if (!parsed.ok || !roleField.safeParse(role).success)
    return { status: "error", message: "Unknown operator; reload the page." };
  const { deps } = await getEngine();
  const result = await setOperatorRole(deps, { actorId: operator.id, ...parsed.data, role });
  if (result.status === "ok") revalidatePath(PATH);
  return accessState(result, role === "admin" ? "Now an admin." : "Now an operator.");
}

export async function reissueInviteAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const parsed = parseForm(operatorId, formData);
  if (!parsed.ok) return { status: "error", message: "Unknown operator; reload the page." };
  const { deps, config } = await getEngine();
  const invite = await reissueInvite(deps, {
    userId: parsed.data.userId,
    createdBy: operator.id,
    publicUrl: config.publicUrl,
  });
  if (!invite) return { status: "error", message: "This operator has already chosen a password." };
  revalidatePath(PATH);
  return {
    status: "ok",
    message: inviteMessage(formData.get("email")?.toString() ?? "the operator", invite.url, invite.expiresAt),
  };
}

const throttleTarget = z
  .object({ email: z.string().trim().max(320).optional(), ip: z.string().trim().min(1).max(100) })
  .transform(({ email, ip }) => ({ email: email || undefined, ip }));

/** Lets one email sign in again from one client (or, without an email, a client for every email). */
export async function liftThrottleAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const parsed = parseForm(throttleTarget, formData);
  if (!parsed.ok) return { status: "error", message: "Unknown sign-in throttle; reload the page." };
  const { deps } = await getEngine();
  const forgotten = await liftThrottle(deps, parsed.data);
  revalidatePath(PATH);
  const who = parsed.data.email ? `${parsed.data.email} from ${parsed.data.ip}` : parsed.data.ip;
  return forgotten === 0
    ? { status: "ok", message: `${who} was no longer throttled.` }
    : { status: "ok", message: `Lifted: ${who} can sign in again.` };
}
