"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { endImportProgress, startImportProgress, updateImportProgress } from "@/app/_server/import-progress";
import { requireAdmin } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import { isConnectionError } from "@/spark/connections";
import { describeProgress, reportLines } from "@/spark/imports/commands";
import { importDjangoSpark } from "@/spark/imports/django-spark";

const importForm = z.object({
  connectionId: z.uuid("Choose a connection."),
  mode: z.enum(["count", "import"], "Count first, then import."),
  // Chosen by the page, so it can ask /api/imports/progress how far this import got.
  runId: z.union([z.uuid(), z.literal("")]),
});

/**
 * "Count" (a dry run) and "Import" of django-spark's keys and templates through a data connection.
 * Admins only: it writes history every later pass relies on, and reads a whole table of an application.
 */
export async function importDjangoSparkAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireAdmin();
  const values = {
    connectionId: String(formData.get("connectionId") ?? "").slice(0, 100),
    mode: String(formData.get("mode") ?? "").slice(0, 20),
    runId: String(formData.get("runId") ?? "").slice(0, 100),
  };
  const parsed = importForm.safeParse(values);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0])] ??= []).push(issue.message);
    return { status: "invalid", fieldErrors, values };
  }
  const { deps } = await getEngine();
  const { runId } = parsed.data;
  const signal = runId ? startImportProgress(runId, operator.id) : undefined;
  try {
    const connection = await deps.connections.open(parsed.data.connectionId);
    if (connection.kind === "sample")
      return {
        status: "error",
        message: "The sample database holds no django-spark tables; choose your site's connection.",
        values,
      };
    const report = await importDjangoSpark(deps, {
      connection,
      dryRun: parsed.data.mode === "count",
      by: operator.id,
      signal,
      onProgress: runId ? (report) => updateImportProgress(runId, describeProgress(report)) : undefined,
    });
    if (!report.dryRun) revalidatePath("/", "layout");
    return { status: "ok", message: reportLines(report).join("\n") };
  } catch (error) {
    if (isConnectionError(error)) return { status: "error", message: error.message, values };
    deps.log.error("django-spark import failed", { error: (error as Error).message });
    return {
      status: "error",
      message:
        "The import stopped on an unexpected error (the server log has it). What it recorded stays; run it again to go on.",
      values,
    };
  } finally {
    if (runId) endImportProgress(runId);
  }
}
