"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { clearSessionCookie } from "@/app/_server/session";
import { endSession, SESSION_COOKIE } from "@/spark/auth/sessions";

export async function logOut(): Promise<void> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (token) {
    const { deps } = await getEngine();
    await endSession(deps, { token });
  }
  await clearSessionCookie();
  redirect("/login");
}
