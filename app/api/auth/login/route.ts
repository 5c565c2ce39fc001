import { NextResponse } from "next/server";
import { isForeignOrigin, jsonError, readJsonBody } from "@/app/_server/api";
import { getEngine } from "@/app/_server/engine";
import { clientIp, setSessionCookie } from "@/app/_server/session";
import { logIn } from "@/spark/accounts/login";
import { loginInput } from "@/spark/accounts/schemas";
import { describeRetry } from "@/app/_server/http/retry-message";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  if (isForeignOrigin(request)) return jsonError(403, "Sign in from Spark's own login page.");
  const read = await readJsonBody(request);
  if (!read.ok) return jsonError(read.status, read.message);
  const parsed = loginInput.safeParse(read.body);
  if (!parsed.success) {
    const fieldErrors = parsed.error.flatten().fieldErrors;
    return jsonError(400, "Enter your email and password.", { fieldErrors });
  }
  const { deps, config } = await getEngine();
  const result = await logIn(deps, {
    ...parsed.data,
    ip: await clientIp(),
    userAgent: request.headers.get("user-agent"),
    sessionDays: config.sessionDays,
  });
  switch (result.status) {
    case "ok":
      await setSessionCookie(result.token, result.expiresAt);
      return NextResponse.json({ ok: true, operator: { email: result.operator.email, role: result.operator.role } });
    case "invalid":
      return jsonError(401, "Email or password is incorrect.");
    case "disabled":
      return jsonError(403, "This account is disabled. Ask an admin to enable it.");
    case "limited": {
      const seconds = Math.max(1, Math.ceil((result.retryAt.getTime() - deps.clock().getTime()) / 1000));
      return jsonError(
        429,
        describeRetry(seconds),
        { retryAfterSeconds: seconds },
        { headers: { "Retry-After": String(seconds) } },
      );
    }
  }
}
