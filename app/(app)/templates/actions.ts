"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { getEngine } from "@/app/_server/engine";
import { echoValues, parseForm, readLoadedVersion, staleState } from "@/app/_server/forms";
import { requireSession } from "@/app/_server/session";
import type { FormState } from "@/components/forms/form-state";
import {
  deleteTemplate,
  importDjangoSparkTemplate,
  previewTemplate,
  restoreTemplateVersion,
  saveTemplate,
  sendTestMail,
  setTemplateActive,
  templateInput,
  type TemplatePreview,
} from "@/spark/mail/templates";

const PATH = "/templates";

/** The form posts strings; the checkbox is present only when ticked. */
const formFields = (formData: FormData) => {
  const text = (name: string) => formData.get(name)?.toString() ?? "";
  return {
    name: text("name"),
    group: text("group"),
    active: formData.get("active") === "on",
    layout: text("layout"),
    from: text("from"),
    to: text("to"),
    cc: text("cc"),
    bcc: text("bcc"),
    replyTo: text("replyTo"),
    subject: text("subject"),
    html: text("html"),
    text: text("text"),
  };
};

export async function saveTemplateAction(id: string | null, _prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const loaded = id ? readLoadedVersion(formData) : null;
  if (loaded && !loaded.ok) return loaded.state;
  const parsed = templateInput.safeParse(formFields(formData));
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
    return { status: "invalid", fieldErrors, values: echoValues(formData) };
  }
  const { deps } = await getEngine();
  const result = await saveTemplate(deps, {
    id: id ?? undefined,
    version: loaded?.version,
    input: parsed.data,
    by: operator.id,
  });
  if (result.status === "invalid")
    return { status: "invalid", fieldErrors: result.fieldErrors, values: echoValues(formData) };
  if (result.status === "stale") return staleState(formData, result);
  if (result.status === "gone")
    return {
      status: "error",
      message: "This template was deleted meanwhile; go back to the list. Your values are kept below.",
      values: echoValues(formData),
    };
  revalidatePath(PATH);
  redirect(`${PATH}/${result.template.id}?saved=${result.template.version}`);
}

const fieldsShape = templateInput.extend({ name: z.string().max(100), group: z.string().max(100) });
const contextShape = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("event"), eventId: z.number().int().positive().nullable() }),
  z.object({ kind: z.literal("json"), json: z.string().max(70_000) }),
]);

/** The live preview: renders the unsaved form on the server as the operator types. */
export async function previewTemplateAction(fields: unknown, context: unknown): Promise<TemplatePreview> {
  await requireSession();
  const f = fieldsShape.safeParse(fields);
  const c = contextShape.safeParse(context);
  if (!f.success || !c.success)
    return {
      events: [],
      eventId: null,
      context: null,
      contextError: "The preview got a malformed request; reload the page.",
      fieldErrors: {},
      mail: null,
    };
  const { deps } = await getEngine();
  return previewTemplate(deps, { fields: f.data, context: c.data });
}

export async function sendTestAction(
  templateId: string | null,
  fields: unknown,
  context: unknown,
  address: unknown,
  token: unknown,
): Promise<{ ok: boolean; message: string }> {
  const { operator } = await requireSession();
  const f = fieldsShape.safeParse(fields);
  const c = contextShape.safeParse(context);
  const a = z.string().max(320).safeParse(address);
  const t = z.uuid().safeParse(token);
  if (!t.success) return { ok: false, message: "This send carried no one-time token; reload the page." };
  if (!f.success || !c.success || !a.success)
    return { ok: false, message: "Complete the template and enter one address." };
  const { deps } = await getEngine();
  const result = await sendTestMail(deps, {
    fields: f.data,
    context: c.data,
    address: a.data,
    by: operator.id,
    templateId,
    token: t.data,
  });
  revalidatePath("/inbox");
  return { ok: result.ok, message: result.message };
}

const idInput = z.object({ id: z.uuid() });

export async function setTemplateActiveAction(
  active: boolean,
  _prev: FormState,
  formData: FormData,
): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown template; reload the page." };
  const { deps } = await getEngine();
  const result = await setTemplateActive(deps, { id: parsed.data.id, active, by: operator.id });
  revalidatePath(PATH);
  return result.ok ? { status: "ok" } : { status: "error", message: result.message };
}

export async function deleteTemplateAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await requireSession();
  const parsed = idInput.safeParse({ id: formData.get("id") });
  if (!parsed.success) return { status: "error", message: "Unknown template; reload the page." };
  const { deps } = await getEngine();
  await deleteTemplate(deps, { id: parsed.data.id });
  revalidatePath(PATH);
  redirect(`${PATH}?deleted=${encodeURIComponent(formData.get("name")?.toString() ?? "")}`);
}

export async function restoreVersionAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = z
    .object({ id: z.uuid(), version: z.coerce.number().int().positive() })
    .safeParse({ id: formData.get("id"), version: formData.get("version") });
  if (!parsed.success) return { status: "error", message: "Unknown version; reload the page." };
  const { deps } = await getEngine();
  const result = await restoreTemplateVersion(deps, { ...parsed.data, by: operator.id });
  if (result.status !== "ok")
    return {
      status: "error",
      message:
        result.status === "gone"
          ? "That version no longer exists."
          : result.status === "stale"
            ? result.message
            : "The old version no longer validates; open it and copy what you need.",
    };
  revalidatePath(PATH);
  redirect(`${PATH}/${parsed.data.id}?restored=${parsed.data.version}`);
}

const importInput = z.object({
  name: templateInput.shape.name,
  group: templateInput.shape.group,
  source: z.string().trim().min(1, "Paste the template's source.").max(300_000, "The source is over 256 KiB."),
});

/** "Import django-spark template": translated to Liquid, split after rendering as spark_mails splits, saved inactive to review. */
export async function importTemplateAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const { operator } = await requireSession();
  const parsed = parseForm(importInput, formData);
  if (!parsed.ok) return parsed.state;
  const imported = importDjangoSparkTemplate(parsed.data.source);
  if (!imported.ok)
    return { status: "invalid", fieldErrors: { source: imported.errors }, values: echoValues(formData) };
  const { subject, text } = imported;
  const { deps } = await getEngine();
  const result = await saveTemplate(deps, {
    input: {
      name: parsed.data.name,
      group: parsed.data.group,
      active: false,
      layout: "",
      from: "",
      to: "",
      cc: "",
      bcc: "",
      replyTo: "",
      subject,
      html: "",
      text,
    },
    by: operator.id,
    note: "imported from django-spark",
  });
  if (result.status === "invalid") {
    const fieldErrors = Object.fromEntries(
      Object.entries(result.fieldErrors).map(([k, v]) => [
        k === "name" || k === "group" ? k : "source",
        v.map((m) => (k === "name" || k === "group" ? m : `${k}: ${m}`)),
      ]),
    );
    return { status: "invalid", fieldErrors, values: echoValues(formData) };
  }
  if (result.status !== "ok") return { status: "error", message: "The template could not be saved; try again." };
  revalidatePath(PATH);
  redirect(`${PATH}/${result.template.id}?imported=1`);
}
