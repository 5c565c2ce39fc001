import { NextResponse } from "next/server";
import { z } from "zod";
import { isForeignOrigin, jsonError, withSession } from "@/app/_server/api";
import { readImportProgress, stopImport } from "@/app/_server/import-progress";

export const dynamic = "force-dynamic";

const query = z.object({ run: z.uuid() });

/** Settings → Import asks this while its import runs: the counts so far, for the admin who started it. */
export const GET = withSession(async (request, { session }) => {
  if (session.operator.role !== "admin") return jsonError(403, "Only admins import from django-spark.");
  const parsed = query.safeParse({ run: new URL(request.url).searchParams.get("run") });
  if (!parsed.success) return jsonError(400, "Name the import: ?run=<its id>.");
  return NextResponse.json({ progress: readImportProgress(parsed.data.run, session.operator.id) });
});

/**
 * Settings → Import's Stop button: the import ends at its next batch, keeping what it recorded (a run
 * of the same import later goes on from there). A fetch, not a server action: those wait their turn
 * behind the import's own.
 */
export const DELETE = withSession(async (request, { session }) => {
  if (isForeignOrigin(request)) return jsonError(403, "Stop an import from Spark's own pages.");
  if (session.operator.role !== "admin") return jsonError(403, "Only admins import from django-spark.");
  const parsed = query.safeParse({ run: new URL(request.url).searchParams.get("run") });
  if (!parsed.success) return jsonError(400, "Name the import: ?run=<its id>.");
  if (!stopImport(parsed.data.run, session.operator.id))
    return jsonError(404, "That import is not running (it may have just finished).");
  return NextResponse.json({ stopping: true });
});
