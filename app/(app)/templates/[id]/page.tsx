import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { PastEventsForm } from "@/components/mail/past-events-form";
import { TemplateForm } from "@/components/mail/template-form";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadTemplateEditor } from "@/app/_views/templates";
import { countPastEventsAction, sendForPastEventsAction } from "../past-events-actions";
import { deleteTemplateAction, previewTemplateAction, saveTemplateAction, sendTestAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit template" };

export default async function EditTemplatePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const { deps, config } = await getEngine();
  const editor = await loadTemplateEditor(deps.db, { id, params: query });
  if (!editor) notFound();
  const { template, layouts, initial, notice } = editor;
  return (
    <>
      <PageHeader
        title={template.name}
        description={
          <>
            Version {template.version}, changed <TimeAgo date={template.updatedAt} now={deps.clock()} /> ·{" "}
            <Link href={`/templates/${template.id}/history`} className="text-spark-700 hover:underline">
              History
            </Link>
          </>
        }
      />
      {notice ? (
        <div className="mb-4">
          <Notice tone="success">{notice}</Notice>
        </div>
      ) : null}
      {template.draftReason ? (
        <div className="mb-4">
          <Notice tone="warning">
            Kept as an inactive draft: {template.draftReason} Fix it and save to make it active.
          </Notice>
        </div>
      ) : null}
      <TemplateForm
        key={template.version}
        save={saveTemplateAction.bind(null, template.id)}
        preview={previewTemplateAction}
        sendTest={sendTestAction.bind(null, template.id)}
        defaultFrom={config.mail.from}
        layouts={layouts}
        submitLabel="Save changes"
        initial={initial}
        version={template.version}
      />
      <section className="mt-8 max-w-3xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Send for past events</h2>
        <p className="text-sm text-zinc-600">
          Events recorded before this template existed, or while it was inactive, have none of its mail. Count them in a
          range of days, then queue their mail, once each, with the template as it is now.
        </p>
        <PastEventsForm
          templateId={template.id}
          active={template.active}
          defaultFrom={new Date(deps.clock().getTime() - 7 * 86_400_000).toISOString().slice(0, 10)}
          defaultTo={deps.clock().toISOString().slice(0, 10)}
          count={countPastEventsAction}
          send={sendForPastEventsAction}
        />
      </section>
      <section className="mt-8 max-w-xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Delete this template</h2>
        <p className="text-sm text-zinc-600">
          New events stop getting this mail. Mail already rendered still goes out and the delivery log keeps it; mail
          still waiting to be rendered is marked dead, saying the template was deleted.
        </p>
        <ConfirmButton
          action={deleteTemplateAction}
          fields={{ id: template.id, name: template.name }}
          label="Delete template…"
          confirmLabel={`Delete “${template.name}”`}
        >
          Delete “{template.name}” and its {template.version} version{template.version === 1 ? "" : "s"} for good?
          Making it inactive keeps the history.
        </ConfirmButton>
      </section>
    </>
  );
}
