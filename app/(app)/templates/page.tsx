import { requireSession } from "@/app/_server/session";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Templates" };

export default async function TemplatesPage() {
  await requireSession();
  return (
    <>
      <PageHeader title="Templates" description="Mail templates turn the events of a group into mail: a Liquid subject, an HTML body and a text body." />
      <EmptyState title="No mail templates yet">
        <p>Mail templates are not available in this version of Spark yet, so no mail is sent.</p>
        <p>When they are, each template listed here names the event groups it answers and when it was last edited.</p>
      </EmptyState>
    </>
  );
}
