import "server-only";
import { NextResponse } from "next/server";
import type { LiveSession } from "@/spark/auth/sessions";
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

/** Reads a JSON body of bounded size; null when it is missing, too large or not JSON. */
export async function readJsonBody(request: Request, maxBytes = 16_384): Promise<{ ok: true; body: unknown } | { ok: false; message: string }> {
  const text = await request.text();
  if (text.length > maxBytes) return { ok: false, message: `The request body is larger than ${maxBytes} bytes.` };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return { ok: false, message: "The request body is not JSON; send Content-Type: application/json with a JSON object." };
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
