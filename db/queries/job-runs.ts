import { and, desc, eq, inArray, isNull, lt, ne, or } from "drizzle-orm";
import type { Db, Tx } from "../client";
import { pageByKeyset, type KeysetCursor, type KeysetPage } from "../keyset";
import {
  jobLease,
  jobRuns,
  type JobProgress,
  type JobRun,
  type JobStatus,
  type JobSummary,
  type JobTrigger,
} from "../schema";

type Conn = Db | Tx;

export async function insertJobRun(
  db: Conn,
  run: { trigger: JobTrigger; startedAt: Date; startedBy?: string | null; instance?: string | null },
): Promise<number> {
  const [row] = await db
    .insert(jobRuns)
    .values({ ...run, status: "running", progress: { phase: "starting", candidates: 0, recorded: 0, seen: 0 } })
    .returning({ id: jobRuns.id });
  return row!.id;
}

export async function updateJobRunProgress(db: Conn, { id, progress }: { id: number; progress: JobProgress }) {
  await db.update(jobRuns).set({ progress }).where(eq(jobRuns.id, id));
}

export async function finishJobRun(
  db: Conn,
  {
    id,
    status,
    finishedAt,
    durationMs,
    summary,
    progress,
  }: {
    id: number;
    status: Exclude<JobStatus, "running">;
    finishedAt: Date;
    durationMs: number;
    summary: JobSummary;
    progress: JobProgress;
  },
) {
  await db.update(jobRuns).set({ status, finishedAt, durationMs, summary, progress }).where(eq(jobRuns.id, id));
}

export async function findJobRunById(db: Conn, { id }: { id: number }): Promise<JobRun | null> {
  const [row] = await db.select().from(jobRuns).where(eq(jobRuns.id, id));
  return row ?? null;
}

/** Job runs newest first, optionally of one status or trigger, by keyset on id. */
export async function listJobRunsPage(
  db: Conn,
  { status, trigger, cursor, limit }: { status?: JobStatus; trigger?: JobTrigger; cursor: KeysetCursor; limit: number },
): Promise<KeysetPage<JobRun>> {
  return pageByKeyset(jobRuns.id, { cursor, limit }, ({ bound, order, take }) =>
    db
      .select()
      .from(jobRuns)
      .where(
        and(status ? eq(jobRuns.status, status) : undefined, trigger ? eq(jobRuns.trigger, trigger) : undefined, bound),
      )
      .orderBy(order)
      .limit(take),
  );
}

export async function listRecentJobRuns(db: Conn, { limit }: { limit: number }): Promise<JobRun[]> {
  return db.select().from(jobRuns).orderBy(desc(jobRuns.id)).limit(limit);
}

/** Takes the single job lease when it is free or its holder's lease ran out; false when another run holds it. */
export async function acquireJobLease(
  db: Conn,
  { runId, holder, now, expiresAt }: { runId: number; holder: string; now: Date; expiresAt: Date },
): Promise<boolean> {
  const rows = await db
    .update(jobLease)
    .set({ runId, holder, expiresAt })
    .where(and(eq(jobLease.id, 1), or(isNull(jobLease.expiresAt), lt(jobLease.expiresAt, now))))
    .returning({ id: jobLease.id });
  return rows.length === 1;
}

export async function renewJobLease(db: Conn, { holder, expiresAt }: { holder: string; expiresAt: Date }) {
  await db
    .update(jobLease)
    .set({ expiresAt })
    .where(and(eq(jobLease.id, 1), eq(jobLease.holder, holder)));
}

export async function releaseJobLease(db: Conn, { holder }: { holder: string }) {
  await db
    .update(jobLease)
    .set({ runId: null, holder: null, expiresAt: null })
    .where(and(eq(jobLease.id, 1), eq(jobLease.holder, holder)));
}

export async function findJobLease(db: Conn) {
  const [row] = await db.select().from(jobLease).where(eq(jobLease.id, 1));
  return row ?? null;
}

/** A run whose process died while it held the lease: it never finishes on its own, so it is closed here. */
export async function markJobRunAbandoned(db: Conn, { id, at }: { id: number; at: Date }) {
  await db
    .update(jobRuns)
    .set({ status: "error", finishedAt: at })
    .where(and(eq(jobRuns.id, id), eq(jobRuns.status, "running")));
}

/** Finished job runs older than `before`, at most `limit` of them; a running one is never touched. */
export async function deleteJobRunsBefore(
  db: Conn,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
  const old = db
    .select({ id: jobRuns.id })
    .from(jobRuns)
    .where(and(lt(jobRuns.startedAt, before), ne(jobRuns.status, "running")))
    .limit(limit);
  const rows = await db.delete(jobRuns).where(inArray(jobRuns.id, old)).returning({ id: jobRuns.id });
  return rows.length;
}
