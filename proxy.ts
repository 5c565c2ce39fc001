import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "@/spark/auth/cookie";

const PUBLIC_PAGES = [/^\/login$/, /^\/setup\/[^/]+$/];
// /api/jobs/run checks its own bearer secret: cron has no session cookie.
const PUBLIC_API = new Set(["/api/health", "/api/auth/login", "/api/jobs/run"]);

/**
 * A fast first gate: without a session cookie, pages redirect to /login and API routes answer 401.
 * It cannot tell a live session from a stale one; every page, action and route checks that itself.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (request.cookies.has(SESSION_COOKIE) || PUBLIC_API.has(pathname) || PUBLIC_PAGES.some((p) => p.test(pathname))) {
    return NextResponse.next();
  }
  if (pathname.startsWith("/api/")) {
    return NextResponse.json({ error: "Sign in first: this endpoint needs a session cookie." }, { status: 401 });
  }
  const login = new URL("/login", request.url);
  if (pathname !== "/") login.searchParams.set("next", pathname + search);
  return NextResponse.redirect(login);
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|icon.svg).*)"],
};
