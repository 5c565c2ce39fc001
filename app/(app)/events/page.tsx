import { requireSession } from "@/app/_server/session";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Events" };

export default async function EventsPage() {
  await requireSession();
  return (
    <>
      <PageHeader title="Events" description="Every event Spark has recorded, newest first." />
      <EmptyState title="No events recorded">
        <p>Events are recorded when a job run finds new candidates for a generator. No generator exists yet, so nothing has been recorded.</p>
      </EmptyState>
    </>
  );
}
