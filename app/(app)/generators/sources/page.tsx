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
import { loadOutboxSources } from "@/app/_views/outbox-sources";
import { flashParam } from "@/app/_views/list-params";
import { OutboxStatus } from "@/components/sources/outbox-status";
import { ActiveToggle } from "@/components/ui/active-toggle";
import { setOutboxSourceActiveAction } from "./outbox/actions";
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
  const params = await searchParams;
  const [{ sqlSources, codeSources, saved, deleted }, outboxSources] = await Promise.all([
    loadSources(deps.db, { params, sources: deps.sources }),
    loadOutboxSources(deps.db),
  ]);
  const outboxSaved = flashParam(params, "outboxSaved");
  const outboxDeleted = flashParam(params, "outboxDeleted");
  const now = deps.clock();
  return (
    <div className="space-y-8">
      <div className="space-y-2 empty:hidden">
        {saved ? <Notice tone="success">Saved the SQL source “{saved}”; generators can pick it now.</Notice> : null}
        {deleted ? <Notice tone="success">Deleted the SQL source “{deleted}”.</Notice> : null}
        {outboxSaved ? (
          <Notice tone="success">
            Saved the outbox source “{outboxSaved}”; switch it on below when it should be read.
          </Notice>
        ) : null}
        {outboxDeleted ? <Notice tone="success">Deleted the outbox source “{outboxDeleted}”.</Notice> : null}
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
      <section className="space-y-3" aria-labelledby="outbox-sources">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h2 id="outbox-sources" className="text-lg font-semibold text-zinc-900">
              Outbox tables
            </h2>
            <p className="text-sm text-zinc-600">
              Tables your applications write events to in their own transactions; each pass records the new rows with
              their own group and key.
            </p>
          </div>
          <Link href="/generators/sources/outbox/new" className={buttonClass("secondary")}>
            New outbox source
          </Link>
        </div>
        {outboxSources.length === 0 ? (
          <div className="space-y-2 rounded-lg border border-dashed border-zinc-300 bg-white px-5 py-6 text-sm text-zinc-600">
            <p>
              No outbox tables yet. With the transactional outbox pattern, your application inserts a row{" "}
              <span className="font-mono">(group, key, context)</span> into a table of its own database in the same
              transaction as the change it describes, so the event exists exactly when the change was committed, and
              Spark reads those rows from there.
            </p>
            <p>
              The README&apos;s section <strong>“Outbox tables”</strong> (
              <span className="font-mono">README.md#outbox-tables</span>) gives the table for PostgreSQL and MySQL, the
              GRANT for the read-only user, and three-line examples from Django, Rails and Node.
            </p>
          </div>
        ) : (
          <DataTable columns={["Name", "Table", "Status", { label: "Active", align: "right" }]}>
            {outboxSources.map((s) => (
              <tr key={s.id} className="align-top">
                <td className="px-4 py-3">
                  <Link
                    href={`/generators/sources/outbox/${s.id}`}
                    className="font-mono font-medium text-spark-700 hover:underline"
                  >
                    {s.name}
                  </Link>
                  {s.description ? <p className="mt-0.5 text-zinc-600">{s.description}</p> : null}
                </td>
                <td className="px-4 py-3 text-zinc-700">
                  <span className="font-mono">{s.tableName}</span>
                  <p className="text-xs text-zinc-500">
                    on {s.connectionName ?? <Badge tone="red">a deleted connection</Badge>}
                  </p>
                </td>
                <td className="max-w-md px-4 py-3">
                  <OutboxStatus status={s.status} now={now} />
                </td>
                <td className="px-4 py-3">
                  <div className="flex justify-end">
                    <ActiveToggle
                      id={s.id}
                      name={s.name}
                      active={s.active}
                      action={setOutboxSourceActiveAction.bind(null, !s.active)}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
      <section className="space-y-3">
        <div>
          <h2 className="text-lg font-semibold text-zinc-900">Code sources</h2>
          <p className="text-sm text-zinc-600">
            Written in TypeScript and registered in <span className="font-mono">extensions/index.ts</span> (the
            demo&apos;s, from <span className="font-mono">demo/</span>, while SPARK_DEMO is on); read-only here.
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
