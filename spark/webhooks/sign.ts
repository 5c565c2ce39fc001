import { createHash, createHmac } from "node:crypto";
import { webhookSecretKey } from "./secrets";

export type WebhookEvent = {
  key: string;
  group: string;
  context: Record<string, unknown>;
  createdAt: Date;
  aggregate?: { type: string; id: string; version: number } | null;
};

/**
 * The `webhook-signature` header: one `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` per secret,
 * space-separated, so a receiver holding either side of a rotation verifies. Throws on a string that is
 * not a `whsec_` secret rather than sign with fewer keys than the caller meant.
 */
export function signWebhook(input: { id: string; timestamp: Date; body: string; secrets: string[] }): string {
  if (input.secrets.length === 0) throw new Error("A webhook needs at least one signing secret.");
  const seconds = unixSeconds(input.timestamp);
  const signatures = new Set<string>();
  for (const secret of input.secrets) {
    const key = webhookSecretKey(secret);
    if (!key) throw new Error("A webhook signing secret must be whsec_ and the base64 of 24 to 64 bytes.");
    const mac = createHmac("sha256", key).update(`${input.id}.${seconds}.`).update(input.body).digest("base64");
    signatures.add(`v1,${mac}`);
  }
  return [...signatures].join(" ");
}

/** `webhook-timestamp` and the signed content use whole seconds, as the specification's libraries do. */
export function unixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

/**
 * The request body. `timestamp` is when the event was recorded, not when this attempt left, so every
 * retry of an event carries the same body.
 */
export function webhookBody(event: WebhookEvent): string {
  const data: Record<string, unknown> = { key: event.key, group: event.group, context: event.context };
  if (event.aggregate) {
    data.aggregate = { type: event.aggregate.type, id: event.aggregate.id };
    data.version = event.aggregate.version;
  }
  return JSON.stringify({ type: event.group, timestamp: event.createdAt.toISOString(), data });
}

/**
 * `webhook-id`: the same for every attempt of one event to one endpoint, so a receiver drops repeats, and
 * different across endpoints, so two endpoints of one receiver do not drop each other's. Hashed so it
 * reveals neither the subscription's id nor how many events Spark holds.
 */
export function webhookIdOf(subscriptionId: string, eventId: number): string {
  if (!Number.isSafeInteger(eventId) || eventId < 0) throw new Error(`Event id ${eventId} is not a whole number.`);
  const digest = createHash("sha256").update(`spark.webhook\n${subscriptionId}\n${eventId}`).digest("hex");
  return `msg_${digest.slice(0, 32)}`;
}
