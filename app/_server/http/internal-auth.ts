import { secretsMatch } from "../../../spark/accounts/tokens";

/**
 * Whether a request comes from a CLI on this machine: it carries the secret the server wrote to its data
 * dir (mode 600) as a bearer token. Only that secret counts, never the cron secret, which is meant to
 * leave the machine; compared in constant time. Without an internal secret (PostgreSQL, where the CLI
 * opens the database itself) nothing does.
 */
export function isInternalCaller(authorization: string | null, internalSecret: string | null): boolean {
  const token = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return !!token && !!internalSecret && secretsMatch(token, internalSecret);
}
