import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { ActiveToggle } from "@/components/ui/active-toggle";
import { LastRunCounts } from "@/components/generators/last-run-counts";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { loadGenerators } from "@/app/_views/generators";
import { setGeneratorActiveAction } from "./actions";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Generators" };

export default async function GeneratorsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireSession();
  const { deps } = await getEngine();
  const { generators, saved, deleted } = await loadGenerators(deps.db, {
    params: await searchParams,
    sources: deps.sources,
  });
  const now = deps.clock();
  const newButton = (
    <Link href="/generators/new" className={buttonClass("primary")}>
      New generator
    </Link>
  );
  return (
    <>
      <PageHeader
        title="Generators"
        description="A generator reads candidates from a source, keeps those that meet its conditions, and records each as an event in its group — once per key, ever."
        actions={generators.length > 0 ? newButton : null}
      />
      <div className="mb-4 space-y-2 empty:hidden">
        {saved ? <Notice tone="success">Saved “{saved}”. The next job pass runs it if it is active.</Notice> : null}
        {deleted ? <Notice tone="success">Deleted “{deleted}”. The events it recorded stay in the log.</Notice> : null}
      </div>
      {generators.length === 0 ? (
        <EmptyState title="No generators yet" action={newButton}>
          <p>
            Create one: pick a source, name the event group, and add conditions. Preview shows what it would record
            before anything is saved.
          </p>
          <p>
            Sources are listed under{" "}
            <Link href="/generators/sources" className="text-spark-700 hover:underline">
              Sources
            </Link>
            , where you can also write your own SQL source.
          </p>
        </EmptyState>
      ) : (
        <DataTable columns={["Name", "Group", "Source", "Conditions", "Active", "Last run"]}>
          {generators.map((g) => (
            <tr key={g.id} className="align-top">
              <td className="px-4 py-3 font-medium">
                <Link href={`/generators/${g.id}`} className="text-spark-700 hover:underline">
                  {g.name}
                </Link>
              </td>
              <td className="px-4 py-3 font-mono text-xs">{g.group}</td>
              <td className="px-4 py-3">{g.sourceLabel ?? <Badge tone="red">source missing</Badge>}</td>
              <td className="max-w-xs px-4 py-3 font-mono text-xs break-words text-zinc-700">{g.conditionsText}</td>
              <td className="px-4 py-3">
                <ActiveToggle
                  id={g.id}
                  name={g.name}
                  active={g.active}
                  action={setGeneratorActiveAction.bind(null, !g.active)}
                />
              </td>
              <td className="px-4 py-3">
                <LastRunCounts lastRun={g.lastRun} now={now} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
