import { z } from "zod";
import type { Db } from "@/db/client";
import { listPartials } from "@/db/queries/partials";
import { findTemplateById, listTemplates, listTemplateVersions, templateFieldsOf } from "@/db/queries/templates";
import type { MailTemplate, TemplateFieldValues } from "@/db/schema";
import type { TemplateFields } from "@/spark/mail/templates";
import { flashParam, type Params } from "./list-params";
import { describeVersions, type VersionHistoryView } from "./version-history";

/** The templates list, and the name of the one the last form action deleted. */
export async function loadTemplates(
  db: Db,
  params: Params,
): Promise<{ templates: MailTemplate[]; deleted: string | null }> {
  return { templates: await listTemplates(db), deleted: flashParam(params, "deleted") };
}

/** The names of the stored layouts, for a template's layout choice. */
async function listLayoutNames(db: Db): Promise<string[]> {
  return (await listPartials(db)).filter((p) => p.kind === "layout").map((p) => p.name);
}

/** What the new template form offers. */
export async function loadNewTemplate(db: Db): Promise<{ layouts: string[] }> {
  return { layouts: await listLayoutNames(db) };
}

async function findTemplate(db: Db, id: string): Promise<MailTemplate | null> {
  return z.uuid().safeParse(id).success ? findTemplateById(db, { id }) : null;
}

export type TemplateEditorView = {
  template: MailTemplate;
  layouts: string[];
  /** The form's starting values: the stored fields and the layout. */
  initial: TemplateFields;
  /** What the last form action did (saved, restored, imported), said in a sentence; null after none. */
  notice: string | null;
};

/** A template to edit; null for an id that is not one or is gone. */
export async function loadTemplateEditor(
  db: Db,
  { id, params }: { id: string; params: Params },
): Promise<TemplateEditorView | null> {
  const [template, layouts] = await Promise.all([findTemplate(db, id), listLayoutNames(db)]);
  if (!template) return null;
  const notice =
    typeof params.saved === "string"
      ? `Saved as version ${template.version}.`
      : typeof params.restored === "string"
        ? `Restored version ${params.restored}; it is now version ${template.version}.`
        : params.imported
          ? "Imported from django-spark as an inactive template: set its recipients, check the preview, then make it active."
          : null;
  return { template, layouts, initial: { ...templateFieldsOf(template), layout: template.layout }, notice };
}

export type TemplateHistoryView = VersionHistoryView & {
  template: Pick<MailTemplate, "id" | "name" | "version">;
  current: TemplateFieldValues;
};

/** A template's saved versions, the one the URL picks to compare, and its current fields; null when there is none. */
export async function loadTemplateHistory(
  db: Db,
  { id, params }: { id: string; params: Params },
): Promise<TemplateHistoryView | null> {
  const template = await findTemplate(db, id);
  if (!template) return null;
  const rows = await listTemplateVersions(db, { templateId: template.id });
  return {
    template: { id: template.id, name: template.name, version: template.version },
    current: templateFieldsOf(template),
    ...(await describeVersions(db, rows, { currentVersion: template.version, params })),
  };
}
