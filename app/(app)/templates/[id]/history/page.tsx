import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { VersionHistory } from "@/components/mail/version-history";
import { PageHeader } from "@/components/ui/page-header";
import { loadTemplateHistory } from "@/app/_views/templates";
import { restoreVersionAction } from "../../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Template history" };

const FIELDS: [string, string][] = [
  ["name", "Name"],
  ["group", "Event group"],
  ["active", "Active"],
  ["layout", "Layout"],
  ["from", "From"],
  ["to", "To"],
  ["cc", "Cc"],
  ["bcc", "Bcc"],
  ["replyTo", "Reply-To"],
  ["subject", "Subject"],
  ["html", "HTML body"],
  ["text", "Text body"],
];

export default async function TemplateHistoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const { deps } = await getEngine();
  const history = await loadTemplateHistory(deps.db, { id, params: query });
  if (!history) notFound();
  const { template, versions, selected, current } = history;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/templates/${template.id}`} className="text-spark-700 hover:underline">
          ← {template.name}
        </Link>
      </p>
      <PageHeader
        title="History"
        description={`Every save of “${template.name}” is a version. Pick one to see what changed since, and restore it if you need to.`}
      />
      <VersionHistory
        id={template.id}
        basePath={`/templates/${template.id}/history`}
        versions={versions}
        currentVersion={template.version}
        current={current}
        fields={FIELDS}
        selected={selected}
        restore={restoreVersionAction}
        now={deps.clock()}
      />
    </>
  );
}
