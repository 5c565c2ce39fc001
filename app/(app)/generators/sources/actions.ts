"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { echoValues, parseForm } from "@/app/_server/forms";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { connectionOfSource, testSqlSource, type SqlTestResult } from "@/spark/sources/sql";
import { deleteSqlSource, saveSqlSource, sqlSourceInput } from "@/spark/sources/sql-sources";
import { loadedVersion } from "@/spark/stale-edits";

const PATH = "/generators/sources";

/**
 * `target` is bound by the edit page with the version it loaded: the source form posts no version field
 * of its own, and a bound argument comes back exactly as the page rendered it.
 */
export async function saveSqlSourceAction(
  target: { id: string; version: number } | null,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireSession();
  const bound = z.object({ id: z.uuid(), version: loadedVersion.unwrap() }).nullable().safeParse(target);
  if (!bound.success)
    return { status: "error", message: "Unknown source; reload the page.", values: echoValues(formData) };
  const parsed = parseForm(sqlSourceInput, formData);
  if (!parsed.ok) return parsed.state;
  const { deps } = await getEngine();
  const result = await saveSqlSource(deps, {
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
      message: "This source was deleted meanwhile; go back to the list.",
      values: echoValues(formData),
    };
  revalidatePath(PATH);
  revalidatePath("/generators");
  redirect(`${PATH}?saved=${encodeURIComponent(result.source.name)}`);
}

export async function deleteSqlSourceAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = z.object({ id: z.uuid() }).safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown source; reload the page." };
  const { deps } = await getEngine();
  const result = await deleteSqlSource(deps, { id: parsed.data.id });
  if (result.status === "in-use") {
    const names = result.generators.map((n) => `“${n}”`).join(", ");
    return {
      status: "error",
      message: `Generators use this source: ${names}. Point them at another source or delete them first.`,
    };
  }
  revalidatePath(PATH);
  redirect(`${PATH}?deleted=${encodeURIComponent(formData.get("name")?.toString() ?? "")}`);
}

const testInput = z.object({ query: sqlSourceInput.shape.query, connectionId: sqlSourceInput.shape.connectionId });

/** "Test query": runs it on its connection exactly as a pass would and shows columns and the first 20 rows. */
export async function testSqlQueryAction(input: unknown): Promise<SqlTestResult> {
  await requireSession();
  const parsed = testInput.safeParse(input);
  if (!parsed.success)
    return { ok: false, message: parsed.error.issues[0]?.message ?? "Write a SELECT whose first column is id." };
  const { deps } = await getEngine();
  try {
    return await testSqlSource(await connectionOfSource(deps.connections, parsed.data.connectionId), parsed.data.query);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
