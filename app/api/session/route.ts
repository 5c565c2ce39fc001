import { NextResponse } from "next/server";
import { withSession } from "@/app/_server/api";

export const dynamic = "force-dynamic";

/** Who is signed in, for scripts and the UI alike. */
export const GET = withSession(async (_request, { session }) =>
  NextResponse.json({
    operator: { email: session.operator.email, role: session.operator.role },
    expiresAt: session.session.expiresAt,
  }),
);
