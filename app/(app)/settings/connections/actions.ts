"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { echoValues, parseForm } from "@/app/_server/forms";
import { requireAdmin } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import {
  connectionInput,
  deleteConnection,
  saveConnection,
  testConnectionInput,
  testStoredConnection,
} from "@/spark/connections/service";
import { loadedVersion } from "@/spark/stale-edits";

const PATH = "/settings/connections";

export async function saveConnectionAction(
  target: { id: string; version: number } | null,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireAdmin();
  // Bound by the edit page with the version it loaded; checked like any input.
  const bound = z.object({ id: z.uuid(), version: loadedVersion.unwrap() }).nullable().safeParse(target);
  if (!bound.success)
    return { status: "error", message: "Unknown connection; reload the page.", values: echoValues(formData) };
  const parsed = parseForm(connectionInput, formData);
  if (!parsed.ok) return parsed.state;
  const result = await saveConnection((await getEngine()).deps, {
    id: bound.data?.id,
    version: bound.data?.version,
    input: parsed.data,
    by: operator.id,
  });
  if (result.status === "invalid")
    return { status: "invalid", fieldErrors: result.fieldErrors, values: echoValues(formData) };
  if (result.status === "gone")
    return {
      status: "error",
      message: "This connection was deleted meanwhile; go back to the list.",
      values: echoValues(formData),
    };
  if (result.status === "stale")
    return {
      status: "error",
      message: `${result.message} Nothing was saved and your values are still here: copy what you need, then reload the page to start from theirs.`,
      values: echoValues(formData),
    };
  revalidatePath(PATH);
  redirect(`${PATH}?saved=${encodeURIComponent(result.connection.name)}`);
}

export type ConnectionTestResult = { ok: true } | { ok: false; problems: string[] };

/** "Test connection" on the form as it stands: connects as its user and judges its privileges; saves nothing. */
export async function testConnectionFormAction(id: string | null, values: unknown): Promise<ConnectionTestResult> {
  await requireAdmin();
  const parsed = connectionInput.safeParse(values);
  if (!parsed.success)
    return { ok: false, problems: parsed.error.issues.map((i) => `${String(i.path[0] ?? "form")}: ${i.message}`) };
  return testConnectionInput((await getEngine()).deps, { id: id ?? undefined, input: parsed.data });
}

export async function testStoredConnectionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const parsed = z.object({ id: z.uuid() }).safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown connection; reload the page." };
  const result = await testStoredConnection((await getEngine()).deps, { id: parsed.data.id });
  revalidatePath(PATH);
  return result.ok
    ? { status: "ok", message: "Connected; the user reads and can do nothing else." }
    : { status: "error", message: result.problems.join(" ") };
}

export async function deleteConnectionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireAdmin();
  const parsed = z.object({ id: z.uuid() }).safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown connection; reload the page." };
  const result = await deleteConnection((await getEngine()).deps, { id: parsed.data.id });
  if (result.status === "in-use")
    return {
      status: "error",
      message: `Sources read from it: ${result.sources.map((n) => `“${n}”`).join(", ")}. Move them to another connection or delete them first.`,
    };
  if (result.status === "fixed") return { status: "error", message: result.message };
  revalidatePath(PATH);
  redirect(`${PATH}?deleted=${encodeURIComponent(formData.get("name")?.toString() ?? "")}`);
}
