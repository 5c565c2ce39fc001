import { randomBytes } from "node:crypto";

/** Standard Webhooks' prefix, so a receiver's library and a person can tell the secret apart from any other string. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

// Standard Webhooks asks for 24 to 64 bytes of key; fewer is guessable, more only slows the HMAC.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const NEW_KEY_BYTES = 32;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new signing secret, shown to the operator once: "whsec_" and the base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(NEW_KEY_BYTES).toString("base64");
}

export function isWebhookSecret(s: string): boolean {
  return webhookSecretKey(s) !== null;
}

/**
 * The HMAC key of a secret: the bytes its base64 part decodes to. Null for anything else, since Node's
 * base64 decoder skips what it does not understand and would quietly sign with a different key.
 */
export function webhookSecretKey(secret: string): Buffer | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!CANONICAL_BASE64.test(encoded)) return null;
  const key = Buffer.from(encoded, "base64");
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) return null;
  return key;
}
