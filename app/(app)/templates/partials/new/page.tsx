import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { PartialForm } from "@/components/mail/partial-form";
import { PageHeader } from "@/components/ui/page-header";
import { loadNewPartial } from "@/app/_views/partials";
import { previewPartialAction, savePartialAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New partial or layout" };

export default async function NewPartialPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const { kind, sampleContext } = await loadNewPartial(deps.db, await searchParams);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/templates/partials" className="text-spark-700 hover:underline">
          ← Partials and layouts
        </Link>
      </p>
      <PageHeader
        title="New partial or layout"
        description="Liquid over the same context as the templates that use it."
      />
      <PartialForm
        version={null}
        save={savePartialAction.bind(null, null)}
        preview={previewPartialAction.bind(null, null)}
        sampleContext={sampleContext}
        submitLabel="Create"
        initial={{
          name: "",
          kind,
          body: kind === "layout" ? '<div style="max-width:600px;margin:0 auto">\n{{ content }}\n</div>\n' : "",
        }}
      />
    </>
  );
}
