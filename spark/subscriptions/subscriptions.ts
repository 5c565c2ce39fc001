import { z } from "zod";
import { sql } from "drizzle-orm";
import { commitPositionAt, currentCommitPosition, type CommitPosition } from "@/db/queries/event-streams";
import { rowsOf } from "@/db/rows";
import { countBacklog, findSubscriptionById, insertSubscription, unparkBacklog } from "@/db/queries/subscriptions";
import { subscriptions, type Subscription } from "@/db/schema";
import { and, eq } from "drizzle-orm";
import type { Deps } from "../deps";
import { GROUP_PATTERN_INPUT } from "../mail/group-pattern";
import { groupLikeOf } from "../producers/read";
import { checkWebhookUrl } from "../webhooks/address";
import { extraHeadersSchema } from "../webhooks/headers";
import { newWebhookSecret } from "../webhooks/secrets";
import { brokerDriverOf, isBrokerKind } from "../brokers/registry";

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

const invalid = (field: string, message: string): CreateResult => ({
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
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
    return { status: "invalid", fieldErrors };
  }
  const data = parsed.data;
  let secret: string | null = null;
  let secretSealed: string | null = null;
  let headersSealed: string | null = null;
  let target = data.target;
  let config: Record<string, unknown> = {};
  if (isBrokerKind(data.kind)) {
    const driver = brokerDriverOf(data.kind);
    const address = driver.parseUrl(data.target);
    if (!address.ok) return invalid("target", address.message);
    const settings = driver.relayConfigSchema.safeParse(data.config ?? {});
    if (!settings.success) {
      const issue = settings.error.issues[0]!;
      return invalid(String(issue.path[0] ?? "config"), issue.message);
    }
    const problem = await driver.check(address.address, settings.data, "relay");
    if (problem) return invalid("target", problem);
    if (address.address.password !== null) {
      const box = deps.connections.secrets;
      if (!box)
        return invalid(
          "target",
          "Set SPARK_SECRET_KEY on the server first: a broker password is kept sealed under it.",
        );
      secretSealed = box.seal(address.address.password);
    }
    target = address.address.url;
    config = settings.data as Record<string, unknown>;
  } else if (data.kind === "code") {
    if (!deps.subscribers.some((s) => s.name === data.target))
      return invalid(
        "target",
        `No code subscriber named "${data.target}" is registered; the registered ones: ${deps.subscribers.map((s) => s.name).join(", ") || "none"} (extensions/index.ts).`,
      );
  } else {
    const checked = await checkWebhookUrl(data.target, { allowPrivate: deps.settings.webhookAllowPrivate });
    if (!checked.ok) return invalid("target", checked.message);
    // The URL as it will be called: http://0x7f.1/ is kept, and shown, as http://127.0.0.1/.
    target = checked.url.href;
    const box = deps.connections.secrets;
    if (!box)
      return invalid(
        "target",
        "Set SPARK_SECRET_KEY on the server first: a webhook's signing secret is kept sealed under it.",
      );
    secret = newWebhookSecret();
    secretSealed = box.seal(secret);
    if (data.headers && Object.keys(data.headers).length > 0) headersSealed = box.seal(JSON.stringify(data.headers));
  }
  const from = await positionOf(deps, data.from);
  const subscription = await insertSubscription(deps.db, {
    name: data.name,
    kind: data.kind,
    groupPattern: data.groups,
    target,
    config,
    secretSealed,
    headersSealed,
    strictOrder: data.strictOrder,
    attemptLimit: data.attemptLimit,
    updatedBy: by,
    from,
  });
  if (!subscription) return invalid("name", `A subscription is already named "${data.name}".`);
  return { status: "ok", subscription, secret };
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
