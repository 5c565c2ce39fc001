import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { clientAddress, PEER_HEADER } from "@/app/_server/http/client-address";
import { SESSION_COOKIE } from "@/app/_server/http/session-cookie";
import { resolveSession, type LiveSession } from "@/spark/accounts/sessions";
import { getEngine } from "./engine";

/** The signed-in operator for this request, looked up once per request. */
export const getSession = cache(async (): Promise<LiveSession | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return null;
  const { deps } = await getEngine();
  return resolveSession(deps, { token });
});

/** For pages and server actions: the operator, or a redirect to /login. */
export async function requireSession(): Promise<LiveSession> {
  const session = await getSession();
  if (!session) redirect("/login");
  return session;
}

export async function requireAdmin(): Promise<LiveSession> {
  const session = await requireSession();
  if (session.operator.role !== "admin") redirect("/settings/account");
  return session;
}

export async function setSessionCookie(token: string, expiresAt: Date) {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: await isHttps(),
    path: "/",
    expires: expiresAt,
  });
}

export async function clearSessionCookie() {
  (await cookies()).delete(SESSION_COOKIE);
}

/** Behind a TLS-terminating proxy the request itself is plain http, so the forwarded protocol counts too. */
export async function isHttps(): Promise<boolean> {
  const h = await headers();
  const forwarded = h.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (forwarded) return forwarded === "https";
  const { config } = await getEngine();
  return config.publicUrl.startsWith("https://");
}

/** The client's address for sign-in throttling: the socket's peer, or the one SPARK_TRUSTED_PROXIES trusts. */
export async function clientIp(): Promise<string> {
  const h = await headers();
  const { config } = await getEngine();
  return clientAddress({
    peer: h.get(PEER_HEADER),
    forwardedFor: h.get("x-forwarded-for"),
    trustedProxies: config.trustedProxies,
  });
}
