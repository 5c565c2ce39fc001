import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "@/app/_server/http/session-cookie";
import { createNonce, securityHeaders } from "@/app/_server/http/security-headers";

const PUBLIC_PAGES = [/^\/login$/, /^\/setup\/[^/]+$/];
// /api/jobs/run checks its own bearer secret: cron has no session cookie.
const PUBLIC_API = new Set(["/api/health", "/api/auth/login", "/api/jobs/run"]);
// Machine routes check their own API key (Authorization: Bearer spk_…), and internal ones the secret the
// server shares with the CLI on this machine; neither carries a session cookie.
const MACHINE_API = /^\/api\/(events|streams|openapi\.json|destinations|inbound|metrics|internal)(\/|$)/;

/**
 * A fast first gate: without a session cookie, pages redirect to /login and API routes answer 401.
 * It cannot tell a live session from a stale one; every page, action and route checks that itself.
 * Every answer that passes here, refused or not, carries the security headers.
 */
export function proxy(request: NextRequest) {
  const nonce = createNonce();
  const headers = securityHeaders({
    nonce,
    https: isHttps(request),
    allowEval: process.env.NODE_ENV === "development",
  });
  const withHeaders = (response: NextResponse) => {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };

  const { pathname, search } = request.nextUrl;
  if (
    request.cookies.has(SESSION_COOKIE) ||
    PUBLIC_API.has(pathname) ||
    MACHINE_API.test(pathname) ||
    PUBLIC_PAGES.some((p) => p.test(pathname))
  ) {
    // Next reads the nonce from the request's policy and puts it on the scripts it renders.
    const forwarded = new Headers(request.headers);
    forwarded.set("Content-Security-Policy", headers["Content-Security-Policy"]!);
    return withHeaders(NextResponse.next({ request: { headers: forwarded } }));
  }
  if (pathname.startsWith("/api/")) {
    return withHeaders(
      NextResponse.json({ error: "Sign in first: this endpoint needs a session cookie." }, { status: 401 }),
    );
  }
  const login = new URL("/login", request.url);
  if (pathname !== "/") login.searchParams.set("next", pathname + search);
  return withHeaders(NextResponse.redirect(login));
}

/**
 * HSTS only means something on https: when SPARK_URL says so, or when the TLS-terminating proxy in
 * front says the request came in that way. Read at request time, not inlined by the build.
 */
function isHttps(request: NextRequest): boolean {
  const publicUrl = process.env["SPARK_URL"]?.trim() ?? "";
  return (
    publicUrl.startsWith("https://") || request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https"
  );
}

// The machine routes skip the proxy altogether: a proxy makes Next read and copy the whole request body
// (up to 10 MB) before the route runs, key or no key, and the routes bound and check bodies themselves.
// next.config.ts gives them their security headers.
export const config = {
  matcher: [
    "/((?!_next/static|_next/image|favicon.ico|icon.svg|api/events|api/streams|api/destinations|api/openapi\\.json|api/internal|api/inbound).*)",
  ],
};
