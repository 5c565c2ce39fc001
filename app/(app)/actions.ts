"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { clearSessionCookie, requireSession } from "@/app/_server/session";
import { endSession } from "@/spark/accounts/sessions";
import { SESSION_COOKIE } from "@/app/_server/http/session-cookie";
import { runJob } from "@/spark/job/job";
import { describeError } from "@/spark/logger";

export async function logOut(): Promise<void> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (token) {
    const { deps } = await getEngine();
    await endSession(deps, { token });
  }
  await clearSessionCookie();
  redirect("/login");
}

export type RunNowResult = { ok: true; runId: number } | { ok: false; message: string };

/**
 * Starts a pass and answers as soon as it has a job run id, so the dashboard can follow its progress;
 * the pass itself goes on in the server process.
 */
export async function runNowAction(): Promise<RunNowResult> {
  const { operator } = await requireSession();
  const { deps } = await getEngine();
  return new Promise<RunNowResult>((resolve) => {
    runJob(deps, {
      trigger: "manual",
      startedBy: operator.id,
      onProgress: ({ runId }) => resolve({ ok: true, runId }),
    }).then(
      (summary) =>
        resolve(
          summary.runId === null
            ? { ok: false, message: summary.message ?? "The pass did not start." }
            : { ok: true, runId: summary.runId },
        ),
      (error: unknown) => {
        deps.log.error("manual pass failed", { error: describeError(error) });
        resolve({ ok: false, message: "The pass could not start; the server log has the reason." });
      },
    );
  });
}
