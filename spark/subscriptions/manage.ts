import { z } from "zod";
import { deleteSubscriptionById, rotateSubscriptionSecretIfUnchanged } from "@/db/queries/subscription-views";
import { findSubscriptionById } from "@/db/queries/subscriptions";
import type { Deps } from "../deps";
import { newWebhookSecret } from "../webhooks/secrets";
import { SECRET_ROTATION_GRACE_MS } from "./subscriptions";

/**
 * Deletes a subscription with its backlog and attempt log. Events are not touched: they belong to the
 * log, and another subscription may still read them. Null when it was already gone.
 */
export async function deleteSubscription(
  deps: Pick<Deps, "db">,
  { id }: { id: string },
): Promise<{ name: string } | null> {
  if (!z.uuid().safeParse(id).success) return null;
  return deleteSubscriptionById(deps.db, { id });
}

export type RotateOnceResult =
  | { status: "ok"; secret: string; previousUntil: Date }
  | { status: "gone" | "unsealed" }
  | { status: "rotated-meanwhile"; at: Date | null };

/**
 * Like rotateSubscriptionSecret, but only from the rotation state the operator saw: pressing twice
 * (or replaying the post) must not rotate twice, since the second rotation would retire the secret
 * receivers still verify with before its 24 hours are up.
 */
export async function rotateSubscriptionSecretOnce(
  deps: Pick<Deps, "db" | "clock" | "connections">,
  { id, seenPreviousUntil, by }: { id: string; seenPreviousUntil: Date | null; by: string | null },
): Promise<RotateOnceResult> {
  if (!z.uuid().safeParse(id).success) return { status: "gone" };
  const subscription = await findSubscriptionById(deps.db, { id });
  if (!subscription || subscription.kind !== "webhook") return { status: "gone" };
  const box = deps.connections.secrets;
  if (!box) return { status: "unsealed" };
  const secret = newWebhookSecret();
  const at = deps.clock();
  const previousUntil = new Date(at.getTime() + SECRET_ROTATION_GRACE_MS);
  const rotated = await rotateSubscriptionSecretIfUnchanged(deps.db, {
    id,
    seenPreviousUntil,
    secretSealed: box.seal(secret),
    previousUntil,
    at,
    by,
  });
  if (rotated) return { status: "ok", secret, previousUntil };
  const now = await findSubscriptionById(deps.db, { id });
  return now ? { status: "rotated-meanwhile", at: now.updatedAt } : { status: "gone" };
}
