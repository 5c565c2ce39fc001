import { secretsMatch } from "../../../spark/accounts/tokens";

export type CronAuth = { status: "ok"; trigger: "cron" | "cli" } | { status: "unauthorized" | "unconfigured" };

/**
 * Who may run a pass over HTTP: cron with SPARK_CRON_SECRET, or `npm run job` on this machine with the
 * secret the server keeps in its data dir. Both compared in constant time.
 */
export function authorizeCron(
  authorization: string | null,
  { cronSecret, internalSecret }: { cronSecret: string | null; internalSecret: string | null },
): CronAuth {
  const token = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
  if (token && internalSecret && secretsMatch(token, internalSecret)) return { status: "ok", trigger: "cli" };
  if (!cronSecret) return { status: "unconfigured" };
  if (token && secretsMatch(token, cronSecret)) return { status: "ok", trigger: "cron" };
  return { status: "unauthorized" };
}
