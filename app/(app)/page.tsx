import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { countUsers } from "@/db/queries/users";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  await requireSession();
  const { database, deps } = await getEngine();
  const operators = await countUsers(deps.db);
  return (
    <>
      <PageHeader title="Dashboard" description="What Spark has done lately and what is waiting." />
      <div className="grid gap-4 md:grid-cols-3">
        <Card title="Database">
          <dl className="space-y-1 text-sm">
            <div className="flex justify-between gap-2">
              <dt className="text-zinc-500">Driver</dt>
              <dd className="font-medium">{database.driver === "pglite" ? "Embedded (PGlite)" : "PostgreSQL"}</dd>
            </div>
            <div className="flex justify-between gap-2">
              <dt className="text-zinc-500">Location</dt>
              <dd className="truncate font-mono text-xs" title={database.location}>
                {database.location}
              </dd>
            </div>
          </dl>
        </Card>
        <Card title="Operators">
          <p className="text-2xl font-semibold">{operators}</p>
          <Link href="/settings/operators" className="text-sm text-spark-700 hover:underline">
            Manage operators
          </Link>
        </Card>
        <Card title="Job">
          <p className="text-sm text-zinc-600">No job has run yet.</p>
        </Card>
      </div>
      <div className="mt-6">
        <EmptyState title="No activity yet">
          <p>
            Events per group, deliveries per status and the health of the mail queue appear here once generators have
            produced events.
          </p>
        </EmptyState>
      </div>
    </>
  );
}
