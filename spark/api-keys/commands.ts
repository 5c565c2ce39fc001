import { z } from "zod";
import type { Deps } from "../deps";
import { apiKeyScopes, createApiKey, listKeys, revokeApiKey, type ApiKeyScope, type CreatedApiKey } from "./api-keys";

/**
 * What `npm run api-key` asks for, whether it opens the database itself or asks the server that holds
 * the embedded one (POST /api/internal/api-keys): one schema and one function, so both paths answer alike.
 */
export const apiKeyCommandSchema = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("create"),
    name: z.string().max(1_000),
    scopes: z.array(z.string().max(50)).max(10),
  }),
  z.object({ command: z.literal("list") }),
  z.object({ command: z.literal("revoke"), target: z.string().min(1).max(1_000) }),
]);
export type ApiKeyCommand = z.infer<typeof apiKeyCommandSchema>;

/** A key as the shell lists it: dates as ISO text, so the answer crosses HTTP unchanged. */
export type ListedKey = {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  lastUsedAddress: string | null;
  revokedAt: string | null;
};

export type ApiKeyCommandResult =
  | { ok: true; command: "create"; key: CreatedApiKey }
  | { ok: true; command: "list"; keys: ListedKey[] }
  | { ok: true; command: "revoke"; key: { id: string; name: string; prefix: string }; already: boolean }
  | { ok: false; message: string };

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/** Keys made from the shell are attributed to no operator (by = null). */
export async function runApiKeyCommand(
  deps: Pick<Deps, "db" | "clock">,
  command: ApiKeyCommand,
): Promise<ApiKeyCommandResult> {
  if (command.command === "create") {
    const unknown = command.scopes.find((s) => !(apiKeyScopes as readonly string[]).includes(s));
    if (unknown !== undefined)
      return { ok: false, message: `unknown scope '${unknown}'; use ${apiKeyScopes.join(", ")} (comma-separated).` };
    const result = await createApiKey(deps, {
      input: { name: command.name, scopes: command.scopes as ApiKeyScope[] },
      by: null,
    });
    if (!result.ok) return { ok: false, message: result.message };
    return { ok: true, command: "create", key: result.key };
  }
  const keys = await listKeys(deps);
  if (command.command === "list") {
    return {
      ok: true,
      command: "list",
      keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        scopes: k.scopes,
        createdAt: k.createdAt.toISOString(),
        createdBy: k.createdByEmail,
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
        lastUsedAddress: k.lastUsedAddress,
        revokedAt: k.revokedAt?.toISOString() ?? null,
      })),
    };
  }
  const target = command.target.trim();
  // An id names one key; a name names the live key of that name (names are unique among live keys only).
  const byId = isUuid(target) ? keys.find((k) => k.id === target.toLowerCase()) : undefined;
  const named = keys.filter((k) => k.name.toLowerCase() === target.toLowerCase());
  const key = byId ?? named.find((k) => !k.revokedAt) ?? named[0];
  if (!key)
    return {
      ok: false,
      message: `no API key has the name or id '${target}'; 'npm run api-key -- list' shows them.`,
    };
  const revoked = key.revokedAt ? false : await revokeApiKey(deps, { id: key.id, by: null });
  return { ok: true, command: "revoke", key: { id: key.id, name: key.name, prefix: key.prefix }, already: !revoked };
}
