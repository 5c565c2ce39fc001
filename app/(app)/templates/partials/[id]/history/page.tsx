import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { VersionHistory } from "@/components/mail/version-history";
import { PageHeader } from "@/components/ui/page-header";
import { listPartialVersions, partialFieldsOf } from "@/db/queries/partials";
import { listUsers } from "@/db/queries/users";
import { loadPartial } from "@/spark/mail/partials";
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
  const { database, deps } = await getEngine();
  const partial = await loadPartial(database, id);
  if (!partial) notFound();
  const [rows, users] = await Promise.all([
    listPartialVersions(deps.db, { partialId: partial.id }),
    listUsers(deps.db),
  ]);
  const emails = new Map(users.map((u) => [u.id, u.email]));
  const versions = rows.map((v) => ({
    version: v.version,
    note: v.note,
    by: v.createdBy ? (emails.get(v.createdBy) ?? "a deleted operator") : "Spark",
    createdAt: v.createdAt,
    fields: v.fields,
  }));
  const asked = Number(typeof query.v === "string" ? query.v : NaN);
  const selected =
    versions.find((v) => v.version === asked) ?? versions.find((v) => v.version < partial.version) ?? versions[0];
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
        current={partialFieldsOf(partial)}
        fields={FIELDS}
        selected={selected}
        restore={restorePartialVersionAction}
        now={deps.clock()}
      />
    </>
  );
}
