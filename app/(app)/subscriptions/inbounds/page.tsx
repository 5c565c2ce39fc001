import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadInbounds } from "@/app/_views/inbounds";
import { InboundCounts, InboundKind, InboundState } from "@/components/subscriptions/inbound-parts";
import { ErrorText, When } from "@/components/subscriptions/subscription-parts";
import { buttonClass } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";
export const metadata = { title: "Inbounds" };

export default async function InboundsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // Inbounds write events and hold broker credentials: admins only, checked here on the server.
  await requireAdmin();
  const { deps } = await getEngine();
  const view = await loadInbounds(deps, await searchParams);
  const now = deps.clock();
  const newButton = (
    <Link href="/subscriptions/inbounds/new" className={buttonClass("primary")}>
      New inbound
    </Link>
  );
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/subscriptions" className="text-spark-700 hover:underline">
          ← Subscriptions
        </Link>
      </p>
      <PageHeader
        title="Inbounds"
        description="Each inbound reads a RabbitMQ queue or a NATS JetStream consumer and records every message as an event, acknowledging it only once the event is committed. Messages that are not events are refused and kept here with the reason."
        actions={view.rows.length > 0 ? newButton : null}
      />
      {view.deleted ? (
        <div className="mb-4">
          <Notice tone="success">
            Deleted “{view.deleted}” with its refused messages; the events it recorded stay in the log.
          </Notice>
        </div>
      ) : null}
      {view.rows.length === 0 ? (
        <EmptyState title="No inbounds yet" action={newButton}>
          <p>
            An inbound turns messages your applications publish to a broker into Spark events: a RabbitMQ queue, or a
            durable pull consumer on a JetStream stream.
          </p>
          <p>
            Declare the queue (with a dead-letter exchange for refused messages) or the stream and consumer first, then
            create the inbound with New inbound, or through the JSON API (POST /api/inbound with an admin key).
          </p>
        </EmptyState>
      ) : (
        <DataTable columns={["Inbound", "Reads", "State", "Messages", "Last message", "Last error"]}>
          {view.rows.map((i) => (
            <tr key={i.id} className="align-top">
              <td className="max-w-[12rem] px-4 py-3">
                <Link
                  href={`/subscriptions/inbounds/${i.id}`}
                  className="font-medium break-words text-spark-700 hover:underline"
                >
                  {i.name}
                </Link>
              </td>
              <td className="max-w-[16rem] px-4 py-3">
                <InboundKind kind={i.kind} />
                <p className="mt-1 text-xs break-words text-zinc-800">{i.source}</p>
                <p className="font-mono text-xs break-all text-zinc-500">{i.url}</p>
              </td>
              <td className="px-4 py-3">
                <InboundState active={i.active} />
              </td>
              <td className="px-4 py-3">
                <InboundCounts inbound={i} />
              </td>
              <td className="px-4 py-3">
                <When date={i.lastMessageAt} now={now} />
              </td>
              <td className="max-w-[16rem] px-4 py-3">
                <ErrorText error={i.lastError} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
