import Link from "next/link";
import { notFound } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { requireSession } from "@/app/_server/session";
import { MessageView } from "@/components/mail/message-view";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { loadCapturedMail } from "@/app/_views/inbox";

export const dynamic = "force-dynamic";
export const metadata = { title: "Captured mail" };

export default async function CapturedMailPage({ params }: { params: Promise<{ id: string }> }) {
  await requireSession();
  const { id } = await params;
  const { deps } = await getEngine();
  const mail = await loadCapturedMail(deps.db, id);
  if (!mail) notFound();
  const row = "flex gap-3 py-1.5";
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/inbox" className="text-spark-700 hover:underline">
          ← Inbox
        </Link>
      </p>
      <PageHeader title={mail.subject} />
      <Card>
        <dl className="mb-4 divide-y divide-zinc-100 text-sm">
          <div className={row}>
            <dt className="w-24 shrink-0 text-zinc-500">From</dt>
            <dd>{mail.headers.from}</dd>
          </div>
          <div className={row}>
            <dt className="w-24 shrink-0 text-zinc-500">To</dt>
            <dd>{mail.headers.to.join(", ")}</dd>
          </div>
          {mail.headers.cc.length > 0 ? (
            <div className={row}>
              <dt className="w-24 shrink-0 text-zinc-500">Cc</dt>
              <dd>{mail.headers.cc.join(", ")}</dd>
            </div>
          ) : null}
          {mail.headers.replyTo.length > 0 ? (
            <div className={row}>
              <dt className="w-24 shrink-0 text-zinc-500">Reply-To</dt>
              <dd>{mail.headers.replyTo.join(", ")}</dd>
            </div>
          ) : null}
          <div className={row}>
            <dt className="w-24 shrink-0 text-zinc-500">Envelope</dt>
            <dd className="font-mono text-xs">
              {mail.envelopeFrom} → {mail.envelopeTo.join(", ")}
            </dd>
          </div>
          <div className={row}>
            <dt className="w-24 shrink-0 text-zinc-500">Message-ID</dt>
            <dd className="font-mono text-xs break-all">{mail.messageId}</dd>
          </div>
          <div className={row}>
            <dt className="w-24 shrink-0 text-zinc-500">Captured</dt>
            <dd>
              <TimeAgo date={mail.createdAt} now={deps.clock()} />
              {mail.deliveryId ? (
                <>
                  {" · "}
                  <Link href={`/deliveries/${mail.deliveryId}`} className="text-spark-700 hover:underline">
                    delivery #{mail.deliveryId}
                  </Link>
                </>
              ) : null}
            </dd>
          </div>
        </dl>
        <MessageView html={mail.html} text={mail.text} raw={mail.raw} />
      </Card>
    </>
  );
}
