import { z } from "zod";
import { sql } from "drizzle-orm";
import { commitPositionAt, currentCommitPosition, type CommitPosition } from "@/db/queries/event-streams";
import { rowsOf } from "@/db/rows";
import {
  countBacklog,
  findSubscriptionById,
  insertSubscription,
  queueEventsAgain,
  unparkBacklog,
  updateSubscriptionById,
} from "@/db/queries/subscriptions";
import { findDeliveredAttemptEvent } from "@/db/queries/subscription-views";
import { subscriptions, type Subscription } from "@/db/schema";
import { and, eq } from "drizzle-orm";
import type { Deps } from "../deps";
import { GROUP_PATTERN_INPUT } from "../mail/group-pattern";
import { groupLikeOf } from "../producers/read";
import { checkWebhookUrl } from "../webhooks/address";
import { extraHeadersSchema } from "../webhooks/headers";
import { newWebhookSecret } from "../webhooks/secrets";
import { brokerDriverOf, isBrokerKind } from "../brokers/registry";
import { changedFields, staleEdit, type StaleEdit } from "../stale-edits";

/** How long the secret a rotation replaces still signs, so receivers can switch without losing a request. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;

export const subscriptionInputSchema = z
  .object({
    name: z.string().trim().min(1, "Give it a name.").max(100, "A name is at most 100 characters."),
    kind: z.enum(["webhook", "code", "rabbitmq", "nats"], {
      error: 'kind is "webhook", "code", "rabbitmq" or "nats".',
    }),
    groups: z
      .string()
      .regex(GROUP_PATTERN_INPUT, "groups is a group or a pattern with * (letters, digits, _ . : - and *)."),
    target: z.string().trim().min(1, "Give the URL, or the code subscriber's name.").max(2000),
    from: z
      .union([z.literal("beginning"), z.literal("now"), z.iso.datetime({ offset: true })], {
        error: 'from is "beginning", "now" or an ISO time.',
      })
      .default("now"),
    strictOrder: z.boolean().default(false),
    attemptLimit: z.number().int().min(1).max(100).default(8),
    headers: extraHeadersSchema.optional(),
    /** A broker relay's settings: RabbitMQ's exchange and routing key, NATS's subject. */
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type SubscriptionInput = z.input<typeof subscriptionInputSchema>;

export type CreateResult =
  | { status: "ok"; subscription: Subscription; secret: string | null }
  | { status: "invalid"; fieldErrors: Record<string, string[]> };

const invalid = (field: string, message: string): { status: "invalid"; fieldErrors: Record<string, string[]> } => ({
  status: "invalid",
  fieldErrors: { [field]: [message] },
});

/**
 * Creates a subscription, reading from the beginning, from now, or from a time. A webhook's URL must
 * resolve to public addresses (unless SPARK_WEBHOOK_ALLOW_PRIVATE=1), and its signing secret is made
 * here and returned once: only its sealed form is kept.
 */
export async function createSubscription(
  deps: Deps,
  { input, by }: { input: SubscriptionInput; by: string | null },
): Promise<CreateResult> {
  const parsed = subscriptionInputSchema.safeParse(input);
  if (!parsed.success) return { status: "invalid", fieldErrors: fieldErrorsOf(parsed.error) };
  const data = parsed.data;
  const destination = await resolveDestination(deps, {
    kind: data.kind,
    target: data.target,
    config: data.config,
    headers: data.headers,
    existing: null,
  });
  if (destination.status === "invalid") return destination;
  const { target, config, secretSealed, headersSealed, secret } = destination;
  const from = await positionOf(deps, data.from);
  const subscription = await insertSubscription(deps.db, {
    name: data.name,
    kind: data.kind,
    groupPattern: data.groups,
    target,
    config,
    secretSealed: secretSealed ?? null,
    headersSealed: headersSealed ?? null,
    strictOrder: data.strictOrder,
    attemptLimit: data.attemptLimit,
    updatedBy: by,
    from,
  });
  if (!subscription) return invalid("name", `A subscription is already named "${data.name}".`);
  return { status: "ok", subscription, secret };
}

function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
  return fieldErrors;
}

type ResolvedDestination = {
  status: "ok";
  target: string;
  config: Record<string, unknown>;
  /** Undefined keeps what is stored (an edit that typed no new password or headers). */
  secretSealed: string | null | undefined;
  headersSealed: string | null | undefined;
  /** A new webhook's signing secret, returned this once. */
  secret: string | null;
};

/**
 * Checks where a subscription sends and seals what is secret. On an edit (`existing`), a broker URL
 * typed without its password keeps the sealed one, a webhook keeps its signing secret, and a header
 * whose value is null keeps the value stored for that name.
 */
async function resolveDestination(
  deps: Deps,
  {
    kind,
    target,
    config: rawConfig,
    headers,
    existing,
  }: {
    kind: Subscription["kind"];
    target: string;
    config: Record<string, unknown> | undefined;
    headers: Record<string, string | null> | undefined;
    existing: Subscription | null;
  },
): Promise<ResolvedDestination | { status: "invalid"; fieldErrors: Record<string, string[]> }> {
  const box = deps.connections.secrets;
  if (isBrokerKind(kind)) {
    const driver = brokerDriverOf(kind);
    const address = driver.parseUrl(target);
    if (!address.ok) return invalid("target", address.message);
    const settings = driver.relayConfigSchema.safeParse(rawConfig ?? {});
    if (!settings.success) {
      const issue = settings.error.issues[0]!;
      return invalid(String(issue.path[0] ?? "config"), issue.message);
    }
    let secretSealed: string | null | undefined;
    const typed = address.address.password;
    if (typed !== null) {
      if (!box)
        return invalid(
          "target",
          "Set SPARK_SECRET_KEY on the server first: a broker password is kept sealed under it.",
        );
      secretSealed = box.seal(typed);
    }
    let password = typed;
    if (typed === null && existing?.secretSealed) {
      // Otherwise an edit could send the stored password to a host of the editor's choosing.
      if (!sameOrigin(existing.target, address.address.url, { withUser: true }))
        return invalid(
          "password",
          "Enter the password again: the stored one is only sent to the broker and user it was saved for.",
        );
      if (!box) return invalid("target", "The stored password cannot be opened: set SPARK_SECRET_KEY.");
      try {
        password = box.open(existing.secretSealed);
      } catch (error) {
        return invalid("target", `The stored password cannot be opened (${(error as Error).message}); type it again.`);
      }
    }
    const problem = await driver.check({ ...address.address, password }, settings.data, "relay");
    if (problem) return invalid("target", problem);
    return {
      status: "ok",
      target: address.address.url,
      config: settings.data as Record<string, unknown>,
      secretSealed,
      headersSealed: undefined,
      secret: null,
    };
  }
  if (kind === "code") {
    if (!deps.subscribers.some((s) => s.name === target))
      return invalid(
        "target",
        `No code subscriber named "${target}" is registered; the registered ones: ${deps.subscribers.map((s) => s.name).join(", ") || "none"} (extensions/index.ts).`,
      );
    return { status: "ok", target, config: {}, secretSealed: undefined, headersSealed: undefined, secret: null };
  }
  const checked = await checkWebhookUrl(target, { allowPrivate: deps.settings.webhookAllowPrivate });
  if (!checked.ok) return invalid("target", checked.message);
  if (!box)
    return invalid(
      "target",
      "Set SPARK_SECRET_KEY on the server first: a webhook's signing secret is kept sealed under it.",
    );
  let merged: Record<string, string> | undefined;
  // Stored header values (often a token) follow the webhook only while it stays on the same host.
  const keepsStored = headers === undefined ? !!existing?.headersSealed : Object.values(headers).includes(null);
  if (existing && keepsStored && !sameOrigin(existing.target, checked.url.href))
    return invalid(
      "headers",
      "Type the header values again, or clear them: stored ones are only sent to the host they were saved for.",
    );
  if (headers) {
    let stored: Record<string, string> = {};
    if (existing?.headersSealed && Object.values(headers).some((v) => v === null)) {
      try {
        stored = JSON.parse(box.open(existing.headersSealed)) as Record<string, string>;
      } catch (error) {
        return invalid(
          "headers",
          `The stored headers cannot be opened (${(error as Error).message}); type them again.`,
        );
      }
    }
    merged = {};
    for (const [name, value] of Object.entries(headers)) {
      const kept = value ?? stored[name];
      if (kept === undefined) return invalid("headers", `Give a value for ${name}.`);
      merged[name] = kept;
    }
    const checkedHeaders = extraHeadersSchema.safeParse(merged);
    if (!checkedHeaders.success) return invalid("headers", checkedHeaders.error.issues[0]!.message);
  }
  const secret = existing ? null : newWebhookSecret();
  return {
    status: "ok",
    // The URL as it will be called: http://0x7f.1/ is kept, and shown, as http://127.0.0.1/.
    target: checked.url.href,
    config: {},
    secretSealed: secret === null ? undefined : box.seal(secret),
    headersSealed:
      merged === undefined ? undefined : Object.keys(merged).length > 0 ? box.seal(JSON.stringify(merged)) : null,
    secret,
  };
}

/** Whether two URLs reach the same scheme, host and port (and, with `withUser`, as the same user). */
function sameOrigin(before: string, after: string, { withUser = false }: { withUser?: boolean } = {}): boolean {
  try {
    const a = new URL(before);
    const b = new URL(after);
    return (
      a.protocol === b.protocol &&
      a.hostname.toLowerCase() === b.hostname.toLowerCase() &&
      a.port === b.port &&
      (!withUser || decodeURIComponent(a.username) === decodeURIComponent(b.username))
    );
  } catch {
    return false;
  }
}

export const subscriptionEditSchema = z
  .object({
    name: subscriptionInputSchema.shape.name,
    groups: subscriptionInputSchema.shape.groups,
    target: subscriptionInputSchema.shape.target,
    strictOrder: z.boolean(),
    attemptLimit: z.number().int().min(1).max(100),
    /** Replaces the extra headers; a null value keeps the one stored under that name. Absent keeps them all. */
    headers: z.record(z.string(), z.string().nullable()).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type SubscriptionEdit = z.input<typeof subscriptionEditSchema>;

/** What an edit form loaded, to say which fields another save changed meanwhile. */
export type SubscriptionBase = Pick<
  Subscription,
  "name" | "groupPattern" | "target" | "config" | "strictOrder" | "attemptLimit"
>;
const EDIT_LABELS: Partial<Record<keyof SubscriptionBase, string>> = {
  name: "name",
  groupPattern: "event groups",
  target: "destination",
  config: "settings",
  strictOrder: "order",
  attemptLimit: "attempt limit",
};

export type UpdateResult =
  | { status: "ok"; subscription: Subscription }
  | { status: "invalid"; fieldErrors: Record<string, string[]> }
  | StaleEdit
  | { status: "gone" };

/**
 * Changes where and how a subscription sends, keeping its checkpoint, backlog and signing secret: the
 * events after the checkpoint go to the new destination, under the new pattern. Its kind stays; a
 * save from a form loaded at an older version is refused, saying who changed what.
 */
export async function updateSubscription(
  deps: Deps,
  {
    id,
    version,
    base,
    input,
    by,
  }: { id: string; version: number; base?: SubscriptionBase; input: SubscriptionEdit; by: string | null },
): Promise<UpdateResult> {
  if (!z.uuid().safeParse(id).success) return { status: "gone" };
  const parsed = subscriptionEditSchema.safeParse(input);
  if (!parsed.success) return { status: "invalid", fieldErrors: fieldErrorsOf(parsed.error) };
  const data = parsed.data;
  const existing = await findSubscriptionById(deps.db, { id });
  if (!existing) return { status: "gone" };
  if (existing.version !== version) return staleSubscription(deps, existing, base);
  const destination = await resolveDestination(deps, {
    kind: existing.kind,
    target: data.target,
    config: data.config,
    headers: existing.kind === "webhook" ? data.headers : undefined,
    existing,
  });
  if (destination.status === "invalid") return destination;
  const updated = await updateSubscriptionById(deps.db, {
    id,
    version,
    changes: {
      name: data.name,
      groupPattern: data.groups,
      target: destination.target,
      config: destination.config,
      strictOrder: data.strictOrder,
      attemptLimit: data.attemptLimit,
      ...(destination.secretSealed !== undefined ? { secretSealed: destination.secretSealed } : {}),
      ...(destination.headersSealed !== undefined ? { headersSealed: destination.headersSealed } : {}),
      updatedAt: deps.clock(),
      updatedBy: by,
    },
  });
  if (updated === "taken") return invalid("name", `A subscription is already named "${data.name}".`);
  if (updated === "stale") {
    const current = await findSubscriptionById(deps.db, { id });
    return current ? staleSubscription(deps, current, base) : { status: "gone" };
  }
  return updated ? { status: "ok", subscription: updated } : { status: "gone" };
}

function staleSubscription(deps: Deps, current: Subscription, base: SubscriptionBase | undefined) {
  const { name, groupPattern, target, config, strictOrder, attemptLimit } = current;
  return staleEdit(
    deps,
    current,
    changedFields(base ?? null, { name, groupPattern, target, config, strictOrder, attemptLimit }, EDIT_LABELS),
  );
}

async function positionOf(deps: Pick<Deps, "db">, from: "beginning" | "now" | string): Promise<CommitPosition> {
  if (from === "beginning") return { tx: "0", id: 0 };
  if (from === "now") return currentCommitPosition(deps.db);
  return commitPositionAt(deps.db, { at: new Date(from) });
}

/** Stops or restarts reading; resuming a disabled one clears why it was disabled. */
export async function setSubscriptionActive(
  deps: Pick<Deps, "db" | "clock">,
  { id, active, by }: { id: string; active: boolean; by: string | null },
): Promise<Subscription | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await deps.db
    .update(subscriptions)
    .set(
      active
        ? { status: "active", disabledReason: null, failingSince: null, updatedAt: deps.clock(), updatedBy: by }
        : { status: "paused", updatedAt: deps.clock(), updatedBy: by },
    )
    .where(eq(subscriptions.id, id))
    .returning();
  return row ?? null;
}

// Keys imported from django-spark are never sent to a subscription (readEventsInCommitOrder leaves them
// out): they are no lag, and no part of what a reset re-sends. Their created_at is django-spark's, years
// old, so counting them would also make the lag in seconds years long.
const NOT_IMPORTED = sql`source is distinct from 'import:django-spark'`;

/** Counting stops here: beyond it the answer reads "more than", and the count stays quick. */
const COUNT_LIMIT = 100_000;

/** How many events of the subscription's pattern lie after `from` up to the newest: what a reset re-sends. */
export async function countEventsAfter(
  deps: Pick<Deps, "db">,
  { subscription, from }: { subscription: Pick<Subscription, "groupPattern">; from: CommitPosition },
): Promise<{ count: number; capped: boolean }> {
  const like = subscription.groupPattern === "*" ? null : groupLikeOf(subscription.groupPattern);
  const result = await deps.db.execute(sql`
    select count(*)::int as n from (
      select 1 from events
      where (tx_id, id) > (${from.tx}::xid8, ${from.id}::bigint)
        ${like === null ? sql`` : sql`and event_group like ${like} escape '\\'`}
        and ${NOT_IMPORTED}
      limit ${COUNT_LIMIT + 1}
    ) as counted`);
  const n = Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
  return { count: Math.min(n, COUNT_LIMIT), capped: n > COUNT_LIMIT };
}

export type ResetResult =
  { status: "ok"; resend: number } | { status: "confirm"; resend: number; capped: boolean } | { status: "gone" };

/**
 * Moves a subscription's checkpoint to "now", the beginning or a time. Going back re-sends events, so
 * the caller first gets their count ("confirm"), then confirms it; a count that changed meanwhile is
 * asked again rather than assumed.
 */
export async function resetSubscription(
  deps: Pick<Deps, "db" | "clock">,
  {
    id,
    to,
    confirmedCount,
    by,
  }: { id: string; to: "beginning" | "now" | Date; confirmedCount?: number; by: string | null },
): Promise<ResetResult> {
  if (!z.uuid().safeParse(id).success) return { status: "gone" };
  const subscription = await findSubscriptionById(deps.db, { id });
  if (!subscription) return { status: "gone" };
  const position = to instanceof Date ? await commitPositionAt(deps.db, { at: to }) : await positionOf(deps, to);
  const { count, capped } = await countEventsAfter(deps, { subscription, from: position });
  const current = { tx: subscription.checkpointTx, id: subscription.checkpointId };
  const pending = (await countEventsAfter(deps, { subscription, from: current })).count;
  const resend = Math.max(0, count - pending);
  if (confirmedCount !== resend) return { status: "confirm", resend, capped };
  const [row] = await deps.db
    .update(subscriptions)
    .set({
      checkpointTx: position.tx,
      checkpointId: position.id,
      updatedAt: deps.clock(),
      updatedBy: by,
      version: sql`${subscriptions.version} + 1`,
    })
    .where(and(eq(subscriptions.id, id), eq(subscriptions.version, subscription.version)))
    .returning();
  return row ? { status: "ok", resend } : { status: "confirm", resend, capped };
}

/** Puts parked events back in line, one or all; answers how many. */
export async function replayParked(
  deps: Pick<Deps, "db" | "clock">,
  { id, eventIds }: { id: string; eventIds: number[] | null },
): Promise<number> {
  if (!z.uuid().safeParse(id).success) return 0;
  return unparkBacklog(deps.db, { subscriptionId: id, eventIds, now: deps.clock() });
}

export type SendAgainResult =
  { status: "queued"; queued: number } | { status: "already-queued" | "not-yet" | "strict" | "not-found" };

/**
 * "Send again": events the subscription already handed on go back in line for an attempt now, with
 * the same webhook-id, so a receiver that de-duplicates sees a replay. A strict-order subscription
 * sends each event once, in order; rewinding it is how earlier events go out again.
 */
export async function sendEventsAgain(
  deps: Pick<Deps, "db" | "clock">,
  { id, eventIds }: { id: string; eventIds: number[] },
): Promise<SendAgainResult> {
  if (!z.uuid().safeParse(id).success) return { status: "not-found" };
  const subscription = await findSubscriptionById(deps.db, { id });
  if (!subscription) return { status: "not-found" };
  if (subscription.strictOrder) return { status: "strict" };
  const counted = await queueEventsAgain(deps.db, {
    subscriptionId: id,
    eventIds,
    checkpoint: { tx: subscription.checkpointTx, id: subscription.checkpointId },
    groupLike: subscription.groupPattern === "*" ? null : groupLikeOf(subscription.groupPattern),
    now: deps.clock(),
  });
  if (counted.queued > 0) return { status: "queued", queued: counted.queued };
  if (counted.found === 0) return { status: "not-found" };
  return { status: counted.handedOn === 0 ? "not-yet" : "already-queued" };
}

/** "Send again" from the attempt log: the event a delivered attempt of this subscription handed on. */
export async function sendAttemptAgain(
  deps: Pick<Deps, "db" | "clock">,
  { id, attemptId }: { id: string; attemptId: number },
): Promise<SendAgainResult> {
  if (!z.uuid().safeParse(id).success) return { status: "not-found" };
  const eventId = await findDeliveredAttemptEvent(deps.db, { subscriptionId: id, attemptId });
  return eventId === null ? { status: "not-found" } : sendEventsAgain(deps, { id, eventIds: [eventId] });
}

/** A new signing secret, shown once; the one it replaces keeps signing for 24 hours. */
export async function rotateSubscriptionSecret(
  deps: Pick<Deps, "db" | "clock" | "connections">,
  { id, by }: { id: string; by: string | null },
): Promise<{ status: "ok"; secret: string } | { status: "gone" | "unsealed" }> {
  if (!z.uuid().safeParse(id).success) return { status: "gone" };
  const subscription = await findSubscriptionById(deps.db, { id });
  if (!subscription || subscription.kind !== "webhook") return { status: "gone" };
  const box = deps.connections.secrets;
  if (!box) return { status: "unsealed" };
  const secret = newWebhookSecret();
  const at = deps.clock();
  await deps.db
    .update(subscriptions)
    .set({
      secretSealed: box.seal(secret),
      previousSecretSealed: subscription.secretSealed,
      previousSecretUntil: new Date(at.getTime() + SECRET_ROTATION_GRACE_MS),
      updatedAt: at,
      updatedBy: by,
    })
    .where(eq(subscriptions.id, id));
  return { status: "ok", secret };
}

export type SubscriptionState = {
  subscription: Omit<Subscription, "secretSealed" | "previousSecretSealed" | "headersSealed">;
  lag: { events: number; capped: boolean; seconds: number | null };
  backlog: { waiting: number; parked: number };
};

/** What an operator or an admin key sees: state, lag in events and seconds, backlog; never a secret. */
export async function describeSubscription(
  deps: Pick<Deps, "db" | "clock">,
  { id }: { id: string },
): Promise<SubscriptionState | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const subscription = await findSubscriptionById(deps.db, { id });
  if (!subscription) return null;
  const [lag, backlog] = await Promise.all([lagOf(deps, subscription), countBacklog(deps.db, { subscriptionId: id })]);
  const { secretSealed: _s, previousSecretSealed: _p, headersSealed: _h, ...visible } = subscription;
  return { subscription: visible, lag, backlog };
}

/** How far behind a subscription is: events after its checkpoint within its pattern, and the oldest one's age. */
export async function lagOf(
  deps: Pick<Deps, "db" | "clock">,
  subscription: Pick<Subscription, "groupPattern" | "checkpointTx" | "checkpointId">,
): Promise<SubscriptionState["lag"]> {
  const from = { tx: subscription.checkpointTx, id: subscription.checkpointId };
  const [{ count, capped }, oldest] = await Promise.all([
    countEventsAfter(deps, { subscription, from }),
    oldestPendingAt(deps, { subscription, from }),
  ]);
  return {
    events: count,
    capped,
    seconds: oldest ? Math.max(0, Math.round((deps.clock().getTime() - oldest.getTime()) / 1000)) : null,
  };
}

async function oldestPendingAt(
  deps: Pick<Deps, "db">,
  { subscription, from }: { subscription: Pick<Subscription, "groupPattern">; from: CommitPosition },
): Promise<Date | null> {
  const like = subscription.groupPattern === "*" ? null : groupLikeOf(subscription.groupPattern);
  const result = await deps.db.execute(sql`
    select created_at from events
    where (tx_id, id) > (${from.tx}::xid8, ${from.id}::bigint)
      ${like === null ? sql`` : sql`and event_group like ${like} escape '\\'`}
      and ${NOT_IMPORTED}
    order by tx_id, id limit 1`);
  const [row] = rowsOf<{ created_at: Date | string }>(result);
  return row ? new Date(row.created_at) : null;
}
