import "server-only";
import { NextResponse } from "next/server";
import type { LiveSession } from "@/spark/accounts/sessions";
import { getSession } from "./session";

export function jsonError(status: number, error: string, extra?: Record<string, unknown>, init?: ResponseInit) {
  return NextResponse.json({ error, ...extra }, { ...init, status });
}

export const unauthorized = () => jsonError(401, "Sign in first: this endpoint needs a session cookie.");

type Handler<C> = (request: Request, context: C & { session: LiveSession }) => Promise<Response>;

/** Wraps a route handler so it answers 401 JSON unless the request carries a live session. */
export function withSession<C>(handler: Handler<C>) {
  return async (request: Request, context: C): Promise<Response> => {
    const session = await getSession();
    if (!session) return unauthorized();
    return handler(request, { ...context, session });
  };
}

/**
 * Reads a JSON body of bounded size without holding more than `maxBytes` of it: a declared length over
 * the bound is refused before reading, and a stream that runs past it is cancelled.
 */
export async function readJsonBody(
  request: Request,
  maxBytes = 16_384,
): Promise<{ ok: true; body: unknown } | { ok: false; status: 400 | 413 | 415; message: string }> {
  const tooLarge = {
    ok: false as const,
    status: 413 as const,
    message: `The request body is larger than ${maxBytes} bytes.`,
  };
  const type = request.headers.get("content-type");
  if (type && !/^application\/json\b/i.test(type))
    return { ok: false, status: 415, message: "Send Content-Type: application/json with a JSON object." };
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) return tooLarge;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return tooLarge;
      }
      chunks.push(value);
    }
  }
  try {
    return { ok: true, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, status: 400, message: "The request body is not JSON; send a JSON object." };
  }
}

/** A browser sends Origin on a cross-site POST; one that names another host is refused. */
export function isForeignOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return false;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
