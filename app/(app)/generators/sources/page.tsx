import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { VariableTable } from "@/components/sources/variable-table";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadSources } from "@/app/_views/sources";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sources" };

export default async function SourcesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const { sqlSources, codeSources, saved, deleted } = await loadSources(deps.db, {
    params: await searchParams,
    sources: deps.sources,
  });
  const now = deps.clock();
  return (
    <div className="space-y-8">
      <div className="space-y-2 empty:hidden">
        {saved ? <Notice tone="success">Saved the SQL source “{saved}”; generators can pick it now.</Notice> : null}
        {deleted ? <Notice tone="success">Deleted the SQL source “{deleted}”.</Notice> : null}
      </div>
      <section className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h2 className="text-lg font-semibold text-zinc-900">SQL sources</h2>
            <p className="text-sm text-zinc-600">
              Written here: one SELECT on a connection, read by its read-only user; each row is a candidate and its
              columns are the variables.
            </p>
          </div>
          <Link href="/generators/sources/new" className={buttonClass("primary")}>
            New SQL source
          </Link>
        </div>
        {sqlSources.length === 0 ? (
          <p className="rounded-lg border border-dashed border-zinc-300 bg-white px-5 py-6 text-sm text-zinc-600">
            No SQL sources yet. Write one when the candidates you need are rows of your own tables — for example overdue
            invoices or users who signed up yesterday.
          </p>
        ) : (
          <DataTable columns={["Name", "Connection", "Variables", "Used by", "Changed"]}>
            {sqlSources.map((s) => {
              const users = s.usedBy;
              return (
                <tr key={s.id} className="align-top">
                  <td className="px-4 py-3">
                    <Link
                      href={`/generators/sources/${s.id}`}
                      className="font-mono font-medium text-spark-700 hover:underline"
                    >
                      {s.name}
                    </Link>
                    {s.description ? <p className="mt-0.5 text-zinc-600">{s.description}</p> : null}
                  </td>
                  <td className="px-4 py-3 text-zinc-700">
                    {s.connectionName ?? <Badge tone="red">needs a connection</Badge>}
                  </td>
                  <td className="px-4 py-3 font-mono text-xs break-words text-zinc-700">
                    {Object.keys(s.variables).join(", ")}
                  </td>
                  <td className="px-4 py-3 text-zinc-700">
                    {users.length === 0 ? <span className="text-zinc-400">no generator</span> : users.join(", ")}
                  </td>
                  <td className="px-4 py-3 text-zinc-600">
                    <TimeAgo date={s.updatedAt} now={now} />
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </section>
      <section className="space-y-3">
        <div>
          <h2 className="text-lg font-semibold text-zinc-900">Code sources</h2>
          <p className="text-sm text-zinc-600">
            Written in TypeScript and registered in <span className="font-mono">extensions/index.ts</span> (the
            demoregistered in <span className="font-mono">spark/sources/registry.ts</span>;apos;s while SPARK_DEMO is
            on); read-only here.
          </p>
        </div>
        {codeSources.length === 0 ? (
          <p className="text-sm text-zinc-500">No code sources are registered.</p>
        ) : (
          codeSources.map((s) => {
            const users = s.usedBy;
            return (
              <Card
                key={s.name}
                title={s.label}
                description={s.description}
                actions={<Badge>{users.length === 0 ? "no generator" : `used by ${users.length}`}</Badge>}
              >
                <VariableTable variables={s.variables} />
                {users.length > 0 ? <p className="mt-3 text-xs text-zinc-500">Generators: {users.join(", ")}</p> : null}
              </Card>
            );
          })
        )}
      </section>
    </div>
  );
}
