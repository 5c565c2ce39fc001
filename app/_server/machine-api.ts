import "server-only";
import { randomUUID } from "node:crypto";
import { authenticateApiKey, type ApiKeyScope, type KeyIdentity } from "@/spark/api-keys/api-keys";
import { jsonError } from "./api";
import { getEngine, StoppingError, type Engine } from "./engine";
import { clientIp } from "./session";
import type { Logger } from "@/spark/logger";

type Handler<C> = (
  request: Request,
  context: C & { key: KeyIdentity; engine: Engine; log: Logger },
) => Promise<Response>;

// A caller's own request id is kept only when it cannot be mistaken for anything but an id.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request's id: the caller's X-Request-Id when it is a plain token, otherwise a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id")?.trim();
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Wraps a machine route: it runs only for a live API key with `scope` (401 without one, 403 for a key
 * without the scope, each saying what to send), and a server on its way down answers 503.
 */
export function withApiKey<C>(scope: ApiKeyScope, handler: Handler<C>) {
  return async (request: Request, context: C): Promise<Response> => {
    const engine = await getEngine();
    const requestId = requestIdOf(request);
    const log = engine.deps.log.child({
      requestId,
      method: request.method,
      route: new URL(request.url).pathname.slice(0, 200),
    });
    const check = await authenticateApiKey(engine.deps, {
      authorization: request.headers.get("authorization"),
      scope,
      address: await clientIp(),
    });
    if (!check.ok) {
      log.info("api request refused", { status: check.status, requiredScope: check.requiredScope });
      const extra = check.requiredScope ? { requiredScope: check.requiredScope } : undefined;
      return jsonError(
        check.status,
        check.message,
        extra,
        check.status === 401 ? { headers: { "www-authenticate": 'Bearer realm="spark"' } } : undefined,
      );
    }
    try {
      const response = await handler(request, {
        ...context,
        key: check.key,
        engine,
        log: log.child({ keyId: check.key.id }),
      });
      // So a caller can quote the id that finds this request's lines in the server's log.
      try {
        response.headers.set("x-request-id", requestId);
      } catch {
        // A response with immutable headers (a proxied fetch) goes out as it is.
      }
      return response;
    } catch (error) {
      if (error instanceof StoppingError)
        return jsonError(503, error.message, undefined, { headers: { "retry-after": "5" } });
      log.error("api request failed", { keyId: check.key.id, error });
      throw error;
    }
  };
}
