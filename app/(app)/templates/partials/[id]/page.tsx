import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { PartialForm } from "@/components/mail/partial-form";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadPartialEditor } from "@/app/_views/partials";
import { deletePartialAction, previewPartialAction, savePartialAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit partial" };

export default async function EditPartialPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const { deps } = await getEngine();
  const editor = await loadPartialEditor(deps.db, { id, params: query });
  if (!editor) notFound();
  const { partial, sampleContext, notice } = editor;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/templates/partials" className="text-spark-700 hover:underline">
          ← Partials and layouts
        </Link>
      </p>
      <PageHeader
        title={partial.name}
        description={
          <>
            {partial.kind === "layout" ? "Layout" : "Partial"}, version {partial.version}, changed{" "}
            <TimeAgo date={partial.updatedAt} now={deps.clock()} /> ·{" "}
            <Link href={`/templates/partials/${partial.id}/history`} className="text-spark-700 hover:underline">
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
      <PartialForm
        key={partial.version}
        save={savePartialAction.bind(null, partial.id)}
        preview={previewPartialAction.bind(null, partial.id)}
        sampleContext={sampleContext}
        submitLabel="Save changes"
        initial={{ name: partial.name, kind: partial.kind, body: partial.body }}
        version={partial.version}
      />
      <section className="mt-8 max-w-xl space-y-2">
        <h2 className="text-sm font-semibold text-zinc-900">Delete</h2>
        <p className="text-sm text-zinc-600">Only something no template or partial uses can be deleted.</p>
        <ConfirmButton
          action={deletePartialAction}
          fields={{ id: partial.id }}
          label={`Delete ${partial.kind}…`}
          confirmLabel={`Delete “${partial.name}”`}
        >
          Delete “{partial.name}” and its history for good?
        </ConfirmButton>
      </section>
    </>
  );
}
