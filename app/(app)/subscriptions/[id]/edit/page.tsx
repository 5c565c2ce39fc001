import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadSubscriptionEdit } from "@/app/_views/subscriptions";
import { SubscriptionForm } from "@/components/subscriptions/subscription-form";
import { PageHeader } from "@/components/ui/page-header";
import { updateSubscriptionAction } from "../../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Edit subscription" };

export default async function EditSubscriptionPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdmin();
  const { deps } = await getEngine();
  const { id } = await params;
  const view = await loadSubscriptionEdit(deps, id);
  if (!view) notFound();
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/subscriptions/${view.editing.id}`} className="text-spark-700 hover:underline">
          ← {view.editing.name}
        </Link>
      </p>
      <PageHeader
        title={`Edit ${view.editing.name}`}
        description="Where its events go, which groups, and how hard to try. The checkpoint, the parked events and the signing secret stay as they are."
      />
      <SubscriptionForm action={updateSubscriptionAction} {...view} />
    </>
  );
}
