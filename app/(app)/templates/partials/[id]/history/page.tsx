import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { VersionHistory } from "@/components/mail/version-history";
import { PageHeader } from "@/components/ui/page-header";
import { loadPartialHistory } from "@/app/_views/partials";
import { restorePartialVersionAction } from "../../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Partial history" };

const FIELDS: [string, string][] = [
  ["name", "Name"],
  ["kind", "Kind"],
  ["body", "Body"],
];

export default async function PartialHistoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const { deps } = await getEngine();
  const history = await loadPartialHistory(deps.db, { id, params: query });
  if (!history) notFound();
  const { partial, versions, selected, current } = history;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/templates/partials/${partial.id}`} className="text-spark-700 hover:underline">
          ← {partial.name}
        </Link>
      </p>
      <PageHeader
        title="History"
        description={`Every save of “${partial.name}” is a version. Pick one to see what changed since, and restore it if you need to.`}
      />
      <VersionHistory
        id={partial.id}
        basePath={`/templates/partials/${partial.id}/history`}
        versions={versions}
        currentVersion={partial.version}
        current={current}
        fields={FIELDS}
        selected={selected}
        restore={restorePartialVersionAction}
        now={deps.clock()}
      />
    </>
  );
}
