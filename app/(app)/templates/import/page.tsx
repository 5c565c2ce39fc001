import { requireSession } from "@/app/_server/session";
import { ImportForm } from "@/components/mail/import-form";
import { PageHeader } from "@/components/ui/page-header";
import { importTemplateAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Import a django-spark template" };

export default async function ImportTemplatePage() {
  await requireSession();
  return (
    <>
      <PageHeader
        title="Import a django-spark template"
        description="Paste a spark_mails template. Its {{ variables }} work as Liquid; Django-only tags and filters show up as errors in the editor's preview."
      />
      <ImportForm action={importTemplateAction} />
    </>
  );
}
