import type { Db } from "@/db/client";
import { listApiKeys } from "@/db/queries/api-keys";
import type { ApiKeyScope } from "@/spark/api-keys/api-keys";

/** A key as Settings → API keys lists it: never its hash, only the first characters of the key. */
export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  /** The creating operator's email; null for a key made from the shell (`npm run api-key`), since operators are never deleted. */
  createdBy: string | null;
  lastUsedAt: Date | null;
  lastUsedAddress: string | null;
  revokedAt: Date | null;
};

/** Every key, live ones first (newest first), then the revoked ones. */
export async function loadApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return (await listApiKeys(db)).map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: k.createdAt,
    createdBy: k.createdByEmail,
    lastUsedAt: k.lastUsedAt,
    lastUsedAddress: k.lastUsedAddress,
    revokedAt: k.revokedAt,
  }));
}
