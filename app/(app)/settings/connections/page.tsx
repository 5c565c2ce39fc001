import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { ConnectionForm, TestConnectionButton } from "@/components/settings/connection-form";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadConnections } from "@/app/_views/connections";
import { saveConnectionAction, testConnectionFormAction, testStoredConnectionAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Connections" };

const ORIGIN = { builtin: "built in", env: "environment", ui: "saved here" } as const;
const KIND = { sample: "Sample (embedded)", postgres: "PostgreSQL", mysql: "MySQL/MariaDB" } as const;

export default async function ConnectionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin();
  const { deps, config } = await getEngine();
  const { connections, saved, deleted } = await loadConnections(deps.db, await searchParams);
  const now = deps.clock();
  return (
    <div className="space-y-6">
      {saved ? <Notice tone="success">Saved the connection “{saved}”: it connected as a read-only user.</Notice> : null}
      {deleted ? <Notice tone="success">Deleted the connection “{deleted}”.</Notice> : null}
      <Card
        title="Connections"
        description="The databases SQL sources read from, each through a user that can only read. Spark's own database is never one of them. The sample connection holds the demo's data."
      >
        <DataTable
          inCard
          columns={["Name", "Database", "Where", "Last check", "Used by", { label: "Actions", hidden: true }]}
        >
          {connections.map((c) => {
            const users = c.sourceNames;
            return (
              <tr key={c.id} className="align-top">
                <td className="px-5 py-3">
                  {c.origin === "ui" ? (
                    <Link href={`/settings/connections/${c.id}`} className="font-medium text-spark-700 hover:underline">
                      {c.name}
                    </Link>
                  ) : (
                    <span className="font-medium">{c.name}</span>
                  )}
                  <div className="mt-1">
                    <Badge tone={c.origin === "ui" ? "neutral" : "orange"}>{ORIGIN[c.origin]}</Badge>
                  </div>
                </td>
                <td className="px-5 py-3 text-zinc-700">{KIND[c.kind]}</td>
                <td className="px-5 py-3 font-mono text-xs break-all text-zinc-700">
                  {c.kind === "sample"
                    ? "in the data directory"
                    : `${c.username}@${c.host}:${c.port ?? ""}/${c.database}${c.ssl ? " (TLS)" : ""}`}
                </td>
                <td className="px-5 py-3 text-zinc-600">
                  {c.checkedAt ? (
                    <>
                      <Badge tone={c.checkError ? "red" : "green"}>{c.checkError ? "failed" : "ok"}</Badge>{" "}
                      <TimeAgo date={c.checkedAt} now={now} />
                      {c.checkError ? <p className="mt-1 max-w-xs text-xs text-red-700">{c.checkError}</p> : null}
                    </>
                  ) : (
                    <span className="text-zinc-400">{c.kind === "sample" ? "always ready" : "not tested yet"}</span>
                  )}
                </td>
                <td className="px-5 py-3 text-zinc-700">
                  {users.length === 0 ? <span className="text-zinc-400">no source</span> : users.join(", ")}
                </td>
                <td className="px-5 py-3 text-right">
                  {c.kind === "sample" ? null : (
                    <TestConnectionButton action={testStoredConnectionAction} id={c.id} name={c.name} />
                  )}
                </td>
              </tr>
            );
          })}
        </DataTable>
      </Card>
      <Card
        title="New connection"
        description={
          config.secretKey
            ? "Connect with a user that can only read the application's tables: Spark refuses superusers, users that can read or write server files or Spark's own tables, and MySQL users with any privilege beyond SELECT."
            : "SPARK_SECRET_KEY is not set on the server, so a password cannot be stored here: set it (32+ random characters) and restart, or declare the connection as SPARK_CONNECTION_<NAME>=postgres://… in the environment."
        }
      >
        <ConnectionForm
          action={saveConnectionAction.bind(null, null)}
          test={testConnectionFormAction.bind(null, null)}
          initial={{
            name: "",
            kind: "postgres",
            host: "",
            port: "5432",
            database: "",
            username: "",
            ssl: false,
            hasPassword: false,
          }}
          submitLabel="Save connection"
        />
      </Card>
    </div>
  );
}
