import { requireSession } from "@/app/_server/session";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Deliveries" };

export default async function DeliveriesPage() {
  await requireSession();
  return (
    <>
      <PageHeader title="Deliveries" description="Every mail Spark has queued, sent, retried or given up on, with the reason." />
      <EmptyState title="No deliveries">
        <p>Deliveries appear when a new event matches a mail template. No template exists yet, so nothing has been queued.</p>
      </EmptyState>
    </>
  );
}
