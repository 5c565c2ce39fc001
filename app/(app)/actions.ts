"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getEngine, StoppingError } from "@/app/_server/engine";
import { clearSessionCookie, requireSession } from "@/app/_server/session";
import { endSession } from "@/spark/accounts/sessions";
import { SESSION_COOKIE } from "@/app/_server/http/session-cookie";
import { findRunningPass } from "@/spark/job/job";
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
 * the pass itself goes on in the server process. Pressed while a pass runs (a double click, a second
 * tab, a replayed request), it answers that pass's id and starts nothing: no second pass, no skipped run.
 */
export async function runNowAction(): Promise<RunNowResult> {
  const { operator } = await requireSession();
  const engine = await getEngine();
  const { deps } = engine;
  const running = await findRunningPass(deps);
  if (running !== null) return { ok: true, runId: running };
  return new Promise<RunNowResult>((resolve) => {
    engine
      .runPass({
        trigger: "manual",
        startedBy: operator.id,
        onProgress: ({ runId }) => resolve({ ok: true, runId }),
      })
      .then(
        async (summary) => {
          // Two presses that both found no pass: the one that lost the lease follows the winner.
          const winner = summary.status === "skipped" ? await findRunningPass(deps) : null;
          resolve(
            winner !== null
              ? { ok: true, runId: winner }
              : summary.runId === null
                ? { ok: false, message: summary.message ?? "The pass did not start." }
                : { ok: true, runId: summary.runId },
          );
        },
        (error: unknown) => {
          if (error instanceof StoppingError) return resolve({ ok: false, message: error.message });
          deps.log.error("manual pass failed", { error: describeError(error) });
          resolve({ ok: false, message: "The pass could not start; the server log has the reason." });
        },
      );
  });
}
