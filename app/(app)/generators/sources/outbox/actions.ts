"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { loadOutboxSourceEditor } from "@/app/_views/outbox-sources";
import { echoValues, parseForm } from "@/app/_server/forms";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import {
  checkOutboxTable,
  deleteOutboxSource,
  outboxSourceInput,
  saveOutboxSource,
  setOutboxSourceActiveState,
  type OutboxCheckResult,
} from "@/spark/outbox/outbox-sources";
import { loadedVersion } from "@/spark/stale-edits";

const PATH = "/generators/sources";

/**
 * `target` is bound by the edit page with the version it loaded, so a save over someone else's newer
 * change is refused instead of replacing it.
 */
export async function saveOutboxSourceAction(
  target: { id: string; version: number } | null,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireSession();
  const bound = z.object({ id: z.uuid(), version: loadedVersion.unwrap() }).nullable().safeParse(target);
  if (!bound.success)
    return { status: "error", message: "Unknown source; reload the page.", values: echoValues(formData) };
  const parsed = parseForm(outboxSourceInput, formData);
  if (!parsed.ok) return parsed.state;
  const { deps } = await getEngine();
  const result = await saveOutboxSource(deps, {
    id: bound.data?.id,
    version: bound.data?.version,
    input: parsed.data,
    by: operator.id,
  });
  if (result.status === "invalid")
    return { status: "invalid", fieldErrors: result.fieldErrors, values: echoValues(formData) };
  if (result.status === "stale")
    return {
      status: "error",
      message: `${result.message} Nothing was saved and your values are still here: copy what you need, then reload the page to start from theirs.`,
      values: echoValues(formData),
    };
  if (result.status === "gone")
    return {
      status: "error",
      message: "This outbox source was deleted meanwhile; go back to the list.",
      values: echoValues(formData),
    };
  revalidatePath(PATH);
  redirect(`${PATH}?outboxSaved=${encodeURIComponent(result.source.name)}`);
}

const idInput = z.object({ id: z.uuid() });

export async function setOutboxSourceActiveAction(
  active: boolean,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown outbox source; reload the page." };
  const { deps } = await getEngine();
  const result = await setOutboxSourceActiveState(deps, { id: parsed.data.id, active, by: operator.id });
  if (result.status === "gone") return { status: "error", message: "This outbox source was deleted; reload the page." };
  revalidatePath(PATH);
  revalidatePath(`${PATH}/outbox/${parsed.data.id}`);
  return { status: "ok" };
}

export async function deleteOutboxSourceAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown outbox source; reload the page." };
  const { deps } = await getEngine();
  await deleteOutboxSource(deps, { id: parsed.data.id });
  revalidatePath(PATH);
  redirect(`${PATH}?outboxDeleted=${encodeURIComponent(formData.get("name")?.toString().slice(0, 60) ?? "")}`);
}

const checkInput = z.object({
  connectionId: outboxSourceInput.shape.connectionId,
  tableName: z.string().max(200),
  sourceId: z.uuid().nullable(),
});

/**
 * "Check table": the table and its columns on the chosen connection, read as a pass reads it, with its
 * row count and the next rows a pass would read (after the saved source's checkpoint when editing).
 */
export async function checkOutboxTableAction(input: unknown): Promise<OutboxCheckResult> {
  await requireSession();
  const parsed = checkInput.safeParse(input);
  if (!parsed.success)
    return { ok: false, field: "connectionId", message: "Choose the connection that holds the outbox table." };
  const { deps } = await getEngine();
  const editor = parsed.data.sourceId ? await loadOutboxSourceEditor(deps.db, parsed.data.sourceId) : null;
  // The saved position only describes the table it was read from.
  const sameTable =
    editor &&
    editor.source.connectionId === parsed.data.connectionId &&
    editor.source.tableName === parsed.data.tableName.trim();
  return checkOutboxTable(deps, {
    connectionId: parsed.data.connectionId,
    tableName: parsed.data.tableName,
    after: sameTable ? editor.status.checkpoint : 0,
  });
}
