import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadInboundDetail } from "@/app/_views/inbounds";
import { InboundCounts, InboundKind, InboundState } from "@/components/subscriptions/inbound-parts";
import { When } from "@/components/subscriptions/subscription-parts";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { DataTable } from "@/components/ui/data-table";
import { formatNumber } from "@/components/ui/format";
import { IgnoredFilters } from "@/components/ui/ignored-filters";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { deleteInboundAction, setInboundActiveAction } from "../actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Inbound" };

export default async function InboundPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireAdmin();
  const { deps } = await getEngine();
  const { id } = await params;
  const detail = await loadInboundDetail(deps, id, await searchParams);
  if (!detail) notFound();
  const { inbound: i, rejections } = detail;
  const now = deps.clock();
  const rows: [string, ReactNode][] = [
    ["Broker", <InboundKind key="k" kind={i.kind} />],
    [
      "URL",
      <span key="u" className="font-mono text-xs break-all">
        {i.url}
        {i.hasPassword ? <span className="block font-sans text-zinc-500">password kept sealed</span> : null}
      </span>,
    ],
    ["Reads", i.source],
    ["State", <InboundState key="s" active={i.active} />],
    ["Messages", <InboundCounts key="c" inbound={i} />],
    ["Received", formatNumber(i.received)],
    ["Last message", <When key="m" date={i.lastMessageAt} now={now} />],
    [
      "Last error",
      i.lastError ? (
        <span key="e" className="block break-words text-red-800">
          {i.lastError}
          <span className="block text-xs text-zinc-500">
            <When date={i.lastErrorAt} now={now} />
          </span>
        </span>
      ) : (
        <span key="e" className="text-zinc-400">
          none
        </span>
      ),
    ],
    ["Created", <When key="cr" date={i.createdAt} now={now} />],
  ];
  const pageHref = (extra: Record<string, string>) => {
    const q = new URLSearchParams(extra).toString();
    return `/subscriptions/inbounds/${i.id}${q ? `?${q}` : ""}#rejected`;
  };
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/subscriptions/inbounds" className="text-spark-700 hover:underline">
          ← Inbounds
        </Link>
      </p>
      <PageHeader
        title={i.name}
        description="Every message becomes an event through the same path as POST /api/events, and is acknowledged once its event is committed."
        actions={
          <div className="flex flex-wrap items-start gap-3">
            <LiveRefresh active={i.active} everyMs={3000} />
            {i.active ? (
              <ActionButton
                key="pause"
                action={setInboundActiveAction.bind(null, false)}
                fields={{ id: i.id }}
                label="Pause"
                pendingLabel="Pausing…"
              />
            ) : (
              <ActionButton
                key="resume"
                action={setInboundActiveAction.bind(null, true)}
                fields={{ id: i.id }}
                label="Resume"
                pendingLabel="Resuming…"
                variant="primary"
              />
            )}
          </div>
        }
      />
      <div className="mb-4 space-y-2 empty:hidden">
        {detail.created ? (
          <Notice tone="success">
            Created “{i.name}”.{" "}
            {i.active ? "The server starts reading within a few seconds." : "It is paused; Resume starts it."}
          </Notice>
        ) : null}
      </div>
      <IgnoredFilters ignored={detail.ignored} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div role="region" aria-label="State" className="min-w-0">
          <Card title="State">
            <dl className="divide-y divide-zinc-100 text-sm">
              {rows.map(([term, value]) => (
                <div key={term} className="flex gap-3 py-1.5">
                  <dt className="w-32 shrink-0 text-zinc-500">{term}</dt>
                  <dd className="min-w-0 flex-1">{value}</dd>
                </div>
              ))}
            </dl>
          </Card>
        </div>
        <div className="min-w-0 space-y-6">
          <Card
            title="What becomes an event"
            description="A JSON body {group, key, context} is the event. Otherwise the routing key (NATS: the subject) is the group, the message id (Nats-Msg-Id) the key, and a JSON object body the context."
          >
            <p className="text-sm text-zinc-600">
              A key recorded before is acknowledged and changes nothing. Anything else is refused without requeue — to
              the queue&apos;s dead-letter exchange, or terminated on JetStream — and listed below with the reason.
            </p>
          </Card>
          <Card title="Delete">
            <ConfirmButton
              action={deleteInboundAction}
              fields={{ id: i.id }}
              label="Delete inbound"
              confirmLabel={`Delete “${i.name}”`}
            >
              <p>
                The server stops reading the {i.kind === "rabbitmq" ? "queue" : "consumer"} and the refused messages
                kept here are deleted. Events it recorded stay in the event log; messages still in the broker stay
                there.
              </p>
            </ConfirmButton>
          </Card>
        </div>
      </div>
      <section id="rejected" aria-label="Rejected messages" className="mt-8">
        <h2 className="mb-3 text-base font-semibold text-zinc-900">Rejected messages</h2>
        {rejections.length === 0 ? (
          <p className="rounded-lg border border-dashed border-zinc-300 bg-white px-6 py-6 text-sm text-zinc-600">
            {detail.newer !== null
              ? "Nothing on this page."
              : "No message has been refused. A message that is not an event (not JSON, missing its group or key, over 1 MiB) shows up here with why."}
          </p>
        ) : (
          <DataTable columns={["When", "Reason", "Routing key / subject", "Message id", "Body (first 2 KiB)"]}>
            {rejections.map((r) => (
              <tr key={r.id} className="align-top">
                <td className="px-4 py-3">
                  <When date={r.at} now={now} />
                </td>
                <td className="max-w-[18rem] px-4 py-3 text-xs break-words text-red-800">{r.reason}</td>
                <td className="max-w-[10rem] px-4 py-3 font-mono text-xs break-all">{r.routingKey ?? "—"}</td>
                <td className="max-w-[10rem] px-4 py-3 font-mono text-xs break-all">{r.messageId ?? "—"}</td>
                <td className="max-w-[18rem] px-4 py-3">
                  <pre className="line-clamp-4 font-mono text-xs break-all whitespace-pre-wrap text-zinc-700">
                    {r.body ?? ""}
                  </pre>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <Pager newer={detail.newer} older={detail.older} href={pageHref} label="Rejected message pages" />
      </section>
    </>
  );
}
