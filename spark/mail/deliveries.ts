import type { Deps } from "../deps";
import {
  findDeliveryById,
  findNewestDeliveryResentFrom,
  insertDelivery,
  lockDeliveryById,
  requeueDeadDeliveries,
  requeueDeliveryById,
  type DeliveryLogFilters,
} from "@/db/queries/deliveries";
import { findEventById } from "@/db/queries/events";
import { findTemplateById, templateFieldsOf } from "@/db/queries/templates";
import type { Delivery } from "@/db/schema";
import { deliveriesOf, renderTemplates } from "./rendering";
import { deliverNow } from "./outbox";
import { loadPartialSnapshot } from "./partials";

/**
 * What a retry or a resend did. `unchanged` is a repeat of a request already carried out (a double
 * click, a replayed form): nothing is sent again, and the answer says what the first one did.
 */
export type RetryResult =
  | { status: "sent" | "failed" | "dead" | "queued" | "unchanged"; message: string; deliveryIds: number[] }
  | { status: "refused"; message: string };

const outcomeMessage = (status: "sent" | "failed" | "dead" | null, recipient: string) =>
  status === "sent"
    ? `Sent to ${recipient}.`
    : status === "failed"
      ? `The server refused it for now; it is retried after its backoff.`
      : status === "dead"
        ? `The server refused it for good; see the attempt below.`
        : `Another sender took it first.`;

/**
 * "Retry now": a failed or dead delivery goes out again at once, keeping its history of attempts. One
 * that died before it had a recipient (its template did not render) is rendered again from the
 * template as it is now; the new deliveries point back at it.
 */
export async function retryDelivery(deps: Deps, { id }: { id: number }): Promise<RetryResult> {
  const delivery = await findDeliveryById(deps.db, { id });
  if (!delivery) return { status: "refused", message: "This delivery no longer exists." };
  // Skipped mail asked for nobody: there is no one to send it to, now or later.
  if (delivery.status === "skipped")
    return { status: "refused", message: `It was skipped, not failed: ${delivery.lastError ?? "no recipient"}` };
  if (delivery.recipient === "") return rerender(deps, delivery);
  if (delivery.status !== "failed" && delivery.status !== "dead") return alreadyRetried(delivery);
  // The state check and the flip are one UPDATE: of two clicks, only one finds the row failed or dead.
  const requeued = await requeueDeliveryById(deps.db, { id, at: deps.clock() });
  if (!requeued) {
    const now = await findDeliveryById(deps.db, { id });
    return now ? alreadyRetried(now) : { status: "refused", message: "This delivery no longer exists." };
  }
  const outcome = await deliverNow(deps, { id });
  return { status: outcome ?? "queued", message: outcomeMessage(outcome, delivery.recipient), deliveryIds: [id] };
}

// A retry that finds the delivery already on its way (or sent) is the same request again: it says so
// instead of sending a second time.
const alreadyRetried = (delivery: Delivery): RetryResult => ({
  status: "unchanged",
  message:
    delivery.status === "sent"
      ? `Already sent to ${delivery.recipient}; nothing was sent again.`
      : `Already retried: it is ${delivery.status} now; nothing was sent again.`,
  deliveryIds: [delivery.id],
});

async function rerender(deps: Deps, dead: Delivery): Promise<RetryResult> {
  const db = deps.db;
  if (dead.status !== "dead")
    return { status: "refused", message: `Only dead deliveries are rendered again; this one is ${dead.status}.` };
  const done = await findNewestDeliveryResentFrom(db, { id: dead.id });
  if (done) return alreadyRendered(done.id);
  const [event, template] = await Promise.all([
    dead.eventId ? findEventById(db, { id: dead.eventId }) : null,
    dead.templateId ? findTemplateById(db, { id: dead.templateId }) : null,
  ]);
  if (dead.templateId === null && dead.templateVersion === null)
    return {
      status: "refused",
      message:
        "It came from the event's spark_mail, which is kept as it was recorded; there is nothing to render again.",
    };
  if (!event || !template)
    return { status: "refused", message: "Its event or its template is gone, so there is nothing to render again." };
  const partials = await loadPartialSnapshot(deps);
  const current = { id: template.id, version: template.version, fields: templateFieldsOf(template) };
  const [outcome] = await renderTemplates(deps.renderer, {
    templates: [current],
    partials,
    partialsKey: "current",
    contexts: [event.context],
    items: [{ template: 0, context: 0 }],
    settings: deps.settings.mail,
  });
  const rows = deliveriesOf(outcome!, { template: current, eventId: event.id, group: event.group, at: deps.clock() });
  if (rows.some((r) => r.status === "skipped"))
    return {
      status: "refused",
      message: `The template now names no recipient for this event, so there is nothing to send: ${rows[0]!.lastError}`,
    };
  if (rows.some((r) => r.status === "dead"))
    return {
      status: "refused",
      message: `The template still does not render for this event: ${rows[0]!.lastError}. Fix it, then retry.`,
    };
  // Rendering ran outside any transaction; the check that nobody rendered it meanwhile and the insert
  // run under the dead row's lock, so two clicks create one set of deliveries.
  const created = await db.transaction(async (tx) => {
    const locked = await lockDeliveryById(tx, { id: dead.id });
    if (!locked) return null;
    const meanwhile = await findNewestDeliveryResentFrom(tx, { id: dead.id });
    if (meanwhile) return meanwhile.id;
    const ids: number[] = [];
    for (const { at, ...row } of rows)
      ids.push(
        (
          await insertDelivery(tx, {
            ...row,
            eventId: event.id,
            createdAt: at,
            updatedAt: at,
            nextAttemptAt: at,
            resendOf: dead.id,
          })
        ).id,
      );
    return ids;
  });
  if (created === null) return { status: "refused", message: "This delivery no longer exists." };
  if (!Array.isArray(created)) return alreadyRendered(created);
  let sent = 0;
  for (const id of created) if ((await deliverNow(deps, { id })) === "sent") sent++;
  return {
    status: sent === created.length ? "sent" : "queued",
    message: `Rendered again with version ${template.version}: ${created.length} deliver${created.length === 1 ? "y" : "ies"}, ${sent} sent.`,
    deliveryIds: created,
  };
}

const alreadyRendered = (id: number): RetryResult => ({
  status: "unchanged",
  message: `Already rendered again as delivery #${id}; retry that one if it failed.`,
  deliveryIds: [id],
});

/**
 * "Resend": a sent delivery goes out again as a new delivery linked to the original; history is never
 * rewritten. `seen` is the newest resend of it the operator's page showed (null when none), the
 * form's action token: a second click, or a replay of the same form, finds a newer resend and sends
 * nothing; a fresh page (which shows that resend) may resend again on purpose.
 */
export async function resendDelivery(
  deps: Deps,
  { id, by, seen }: { id: number; by: string | null; seen: number | null },
): Promise<RetryResult> {
  const made = await deps.db.transaction(async (tx): Promise<RetryResult | Delivery> => {
    const original = await lockDeliveryById(tx, { id });
    if (!original) return { status: "refused", message: "This delivery no longer exists." };
    if (original.status !== "sent")
      return {
        status: "refused",
        message: `Only sent deliveries are resent; retry this ${original.status} one instead.`,
      };
    const newest = await findNewestDeliveryResentFrom(tx, { id });
    if ((newest?.id ?? null) !== seen) {
      if (newest && newest.createdBy === by && by !== null)
        return {
          status: "unchanged",
          message: `Already resent as delivery #${newest.id} (${newest.status}); nothing was sent again.`,
          deliveryIds: [newest.id],
        };
      return {
        status: "refused",
        message: newest
          ? `It was resent as delivery #${newest.id} since this page was loaded; reload it to resend again.`
          : "The page is out of date; reload it to resend.",
      };
    }
    const at = deps.clock();
    return insertDelivery(tx, {
      eventId: original.eventId,
      templateId: original.templateId,
      templateVersion: original.templateVersion,
      group: original.group,
      recipient: original.recipient,
      status: "queued",
      subject: original.subject,
      html: original.html,
      text: original.text,
      headers: original.headers,
      isTest: original.isTest,
      resendOf: original.id,
      createdBy: by,
      createdAt: at,
      updatedAt: at,
      nextAttemptAt: at,
    });
  });
  if ("message" in made) return made;
  const outcome = await deliverNow(deps, { id: made.id });
  return {
    status: outcome ?? "queued",
    message: `Resent as delivery #${made.id}: ${outcomeMessage(outcome, made.recipient)}`,
    deliveryIds: [made.id],
  };
}

/** "Retry all" on the delivery log: every dead delivery the filters select is queued again; the count comes back. */
export async function retryDeadDeliveries(deps: Deps, { filters }: { filters: DeliveryLogFilters }): Promise<number> {
  return requeueDeadDeliveries(deps.db, { filters, at: deps.clock() });
}
