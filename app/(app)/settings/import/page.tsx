import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadImportSources } from "@/app/_views/imports";
import { DjangoSparkImportForm } from "@/components/settings/django-spark-import-form";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { importDjangoSparkAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Import from django-spark" };

export default async function ImportPage() {
  await requireAdmin();
  const { deps } = await getEngine();
  const sources = await loadImportSources(deps.db);
  if (sources.length === 0)
    return (
      <EmptyState
        title="No connection to import from"
        action={
          <Link href="/settings/connections" className="text-sm font-medium text-spark-700 underline">
            Add a connection
          </Link>
        }
      >
        <p>
          Spark reads django-spark&apos;s <code>spark_event</code> and <code>spark_mails_mail</code> tables through a
          data connection to your site&apos;s database, as a user that may only read it. Add one under Settings →
          Connections (PostgreSQL or MySQL/MariaDB), then come back here. From the shell,{" "}
          <code>npm run import -- django-spark --from &lt;url&gt;</code> does the same.
        </p>
      </EmptyState>
    );
  return (
    <Card
      title="Import from django-spark"
      description="Records every key django-spark already handled as an event Spark has handled, translated to Spark's key for the same group and candidate, so the first pass does not mail everyone again; imports each spark_mails template as an inactive template. Nothing runs: no handlers, no mail, nothing sent to subscriptions. Count first; importing twice changes nothing."
    >
      <DjangoSparkImportForm action={importDjangoSparkAction} sources={sources} />
    </Card>
  );
}
