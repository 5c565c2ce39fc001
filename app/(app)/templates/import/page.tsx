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
        description="Paste a spark_mails template. It is translated to Liquid — variables, if/elif/else, for/empty, comments, and the filters Liquid shares (date formats become strftime) — and anything that would read differently is refused with its line. The subject and the text body each render the whole source, then keep their part of the rendered mail as spark_mails did."
      />
      <ImportForm action={importTemplateAction} />
    </>
  );
}
