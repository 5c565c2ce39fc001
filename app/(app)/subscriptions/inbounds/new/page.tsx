import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadNewInbound } from "@/app/_views/inbounds";
import { InboundForm } from "@/components/subscriptions/inbound-form";
import { PageHeader } from "@/components/ui/page-header";
import { createInboundAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "New inbound" };

export default async function NewInboundPage() {
  await requireAdmin();
  const { deps } = await getEngine();
  const view = loadNewInbound(deps);
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/subscriptions/inbounds" className="text-spark-700 hover:underline">
          ← Inbounds
        </Link>
      </p>
      <PageHeader
        title="New inbound"
        description="Which queue or JetStream consumer to read. Spark connects and checks it before saving."
      />
      <InboundForm action={createInboundAction} {...view} />
    </>
  );
}
