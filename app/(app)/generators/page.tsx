import { requireSession } from "@/app/_server/session";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Generators" };

export default async function GeneratorsPage() {
  await requireSession();
  return (
    <>
      <PageHeader title="Generators" description="A generator reads candidates from a source, keeps those that meet its conditions, and records each as an event in its group — once per key, ever." />
      <EmptyState title="No generators yet">
        <p>Generators are not configurable in this version of Spark yet, so no events are being produced.</p>
        <p>When they are, this list shows each generator with its source, its conditions and the counts of its last run.</p>
      </EmptyState>
    </>
  );
}
