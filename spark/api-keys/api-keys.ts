import { z } from "zod";
import {
  findApiKeyByHash,
  insertApiKey,
  listApiKeys,
  revokeApiKeyById,
  touchApiKey,
  type ApiKeyListing,
} from "@/db/queries/api-keys";
import { apiKeyScopes, type ApiKeyScope } from "@/db/schema";
import type { Deps } from "../deps";
import { hashToken, newToken } from "../accounts/tokens";
import { hasControlCharacter } from "../events/input";

export { apiKeyScopes, type ApiKeyScope, type ApiKeyListing };

/** Every key starts so: a secret scanner, or a person, can tell a Spark key from any other string. */
export const API_KEY_PREFIX = "spk_";
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

export const apiKeyInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the key a name: who or what will use it.")
    .max(100, "A name is at most 100 characters.")
    .refine((s) => !hasControlCharacter(s), "A name has no control characters."),
  scopes: z
    .array(z.enum(apiKeyScopes, { error: `A scope is one of ${apiKeyScopes.join(", ")}.` }))
    .min(1, "Pick at least one scope.")
    .transform((scopes) => apiKeyScopes.filter((s) => scopes.includes(s))),
});
export type ApiKeyInput = z.input<typeof apiKeyInputSchema>;

export type CreatedApiKey = { id: string; name: string; scopes: ApiKeyScope[]; prefix: string; secret: string };

/**
 * Creates a key and returns its secret: the only time anyone sees it, since only its hash is kept.
 * "taken" when a live key already has the name.
 */
export async function createApiKey(
  { db }: Pick<Deps, "db">,
  { input, by }: { input: ApiKeyInput; by: string | null },
): Promise<{ ok: true; key: CreatedApiKey } | { ok: false; field: "name" | "scopes"; message: string }> {
  const parsed = apiKeyInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: issue.path[0] === "scopes" ? "scopes" : "name", message: issue.message };
  }
  const secret = `${API_KEY_PREFIX}${newToken()}`;
  const row = await insertApiKey(db, {
    name: parsed.data.name,
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    secretHash: hashToken(secret),
    scopes: parsed.data.scopes,
    by,
  });
  if (!row) return { ok: false, field: "name", message: `A live key is already named "${parsed.data.name}".` };
  return { ok: true, key: { id: row.id, name: row.name, scopes: row.scopes, prefix: row.prefix, secret } };
}

export async function listKeys({ db }: Pick<Deps, "db">): Promise<ApiKeyListing[]> {
  return listApiKeys(db);
}

/** Revokes at once: the next request with the key is refused. False when it was already revoked or never existed. */
export async function revokeApiKey(
  { db, clock }: Pick<Deps, "db" | "clock">,
  { id, by }: { id: string; by: string | null },
): Promise<boolean> {
  if (!z.uuid().safeParse(id).success) return false;
  return (await revokeApiKeyById(db, { id, at: clock(), by })) !== null;
}

export type KeyIdentity = { id: string; name: string; scopes: ApiKeyScope[] };
export type KeyCheck =
  { ok: true; key: KeyIdentity } | { ok: false; status: 401 | 403; message: string; requiredScope?: ApiKeyScope };

/** When this process last noted each (key, address): bounded, and cleared whole when full. */
const recentTouches = new Map<string, number>();

/** An admin key may do everything; the other scopes grant only themselves. */
export function keyAllows(scopes: readonly ApiKeyScope[], scope: ApiKeyScope): boolean {
  return scopes.includes("admin") || scopes.includes(scope);
}

/**
 * Who an `Authorization: Bearer <key>` header speaks for, and whether it may use `scope`. The key is
 * found by the hash of what was sent, so nothing is compared against a stored secret.
 */
export async function authenticateApiKey(
  { db, clock }: Pick<Deps, "db" | "clock">,
  { authorization, scope, address }: { authorization: string | null; scope: ApiKeyScope; address: string },
): Promise<KeyCheck> {
  const token = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (!token)
    return {
      ok: false,
      status: 401,
      message: `Send an API key with the "${scope}" scope as Authorization: Bearer <key>; an admin creates one under Settings → API keys.`,
      requiredScope: scope,
    };
  const row = token.length <= 200 ? await findApiKeyByHash(db, { secretHash: hashToken(token) }) : null;
  if (!row)
    return {
      ok: false,
      status: 401,
      message: `This API key is not known to Spark; check it was copied whole. This route needs a key with the "${scope}" scope.`,
      requiredScope: scope,
    };
  if (row.revokedAt)
    return {
      ok: false,
      status: 401,
      message: `The API key "${row.name}" was revoked on ${row.revokedAt.toISOString()}; ask an admin for a new one with the "${scope}" scope.`,
      requiredScope: scope,
    };
  if (!keyAllows(row.scopes, scope))
    return {
      ok: false,
      status: 403,
      message: `The API key "${row.name}" lacks the "${scope}" scope (it has ${row.scopes.join(", ")}); an admin can create a key with it under Settings → API keys.`,
      requiredScope: scope,
    };
  const at = clock();
  // The write itself happens at most once a minute per key and address; remembering when this process
  // last asked saves the round trip on every other request.
  const touchKey = `${row.id} ${address}`;
  const last = recentTouches.get(touchKey);
  if (last === undefined || at.getTime() - last >= 60_000 || at.getTime() < last) {
    await touchApiKey(db, { id: row.id, at, address });
    if (recentTouches.size >= 10_000) recentTouches.clear();
    recentTouches.set(touchKey, at.getTime());
  }
  return { ok: true, key: { id: row.id, name: row.name, scopes: row.scopes } };
}
