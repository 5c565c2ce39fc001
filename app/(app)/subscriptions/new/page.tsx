import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadNewSubscription } from "@/app/_views/subscriptions";
import { SubscriptionForm } from "@/components/subscriptions/subscription-form";
import { PageHeader } from "@/components/ui/page-header";
import { createSubscriptionAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New subscription" };

export default async function NewSubscriptionPage() {
  await requireAdmin();
  const { deps } = await getEngine();
  const view = loadNewSubscription(deps);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/subscriptions" className="text-spark-700 hover:underline">
          ← Subscriptions
        </Link>
      </p>
      <PageHeader
        title="New subscription"
        description="Where the events of some groups should go, from when, and how hard to try. Each event is handed on at least once, in commit order."
      />
      <SubscriptionForm action={createSubscriptionAction} {...view} />
    </>
  );
}
