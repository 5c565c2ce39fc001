import { authenticateApiKey } from "@/spark/api-keys/api-keys";
import { secretsMatch } from "@/spark/accounts/tokens";
import { jsonError } from "@/app/_server/api";
import { getEngine } from "@/app/_server/engine";
import { clientIp } from "@/app/_server/session";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics, for an API key with the read scope or a scraper holding SPARK_METRICS_TOKEN
 * (compared in constant time).
 */
export async function GET(request: Request) {
  const engine = await getEngine();
  const authorization = request.headers.get("authorization");
  const token = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
  const scraper =
    token !== null && engine.config.metricsToken !== null && secretsMatch(token, engine.config.metricsToken);
  if (!scraper) {
    const check = await authenticateApiKey(engine.deps, { authorization, scope: "read", address: await clientIp() });
    if (!check.ok)
      return jsonError(
        check.status,
        `${check.message} A Prometheus scraper may instead send the server's SPARK_METRICS_TOKEN.`,
        check.requiredScope ? { requiredScope: check.requiredScope } : undefined,
      );
  }
  const { metrics } = engine.deps;
  return new Response(await metrics.scrape(), {
    headers: { "content-type": metrics.registry.contentType, "cache-control": "no-store" },
  });
}
