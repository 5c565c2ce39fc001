import type { Db } from "@/db/client";
import { findJobRunById, listJobRunsPage } from "@/db/queries/job-runs";
import { findUserById } from "@/db/queries/users";
import { jobStatuses, jobTriggers, type JobRun, type JobStatus, type JobTrigger } from "@/db/schema";
import { runFigures, type RunFigures } from "@/spark/job/figures";
import { parseChoice, parsePageCursor, type IgnoredFilter, type PageCursor, type Params } from "./list-params";

export const JOB_RUN_PAGE_SIZE = 50;

/** A job run as every list shows it: the row and its figures, each computed by the one definition. */
export type JobRunRow = JobRun & { figures: RunFigures };

export const withFigures = (run: JobRun): JobRunRow => ({ ...run, figures: runFigures(run) });

export type JobRunFilters = { status?: JobStatus; trigger?: JobTrigger };

/** The job runs list's filters from the URL; a value that is not a status or trigger is named and dropped. */
export function parseJobRunFilters(params: Params): {
  filters: JobRunFilters;
  page: PageCursor;
  ignored: IgnoredFilter[];
} {
  const ignored: IgnoredFilter[] = [];
  const filters: JobRunFilters = {};
  const status = parseChoice(params, "status", jobStatuses, ignored);
  if (status) filters.status = status;
  const trigger = parseChoice(params, "trigger", jobTriggers, ignored);
  if (trigger) filters.trigger = trigger;
  return { filters, page: parsePageCursor(params, ignored), ignored };
}

/** The job runs list's URL for a set of filters and a page, so links and the form agree on one spelling. */
export function jobRunsHref(filters: JobRunFilters, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.trigger ? { trigger: filters.trigger } : {}),
    ...extra,
  }).toString();
  return `/jobs${query ? `?${query}` : ""}`;
}

export type JobRunsView = {
  filters: JobRunFilters;
  ignored: IgnoredFilter[];
  rows: JobRunRow[];
  newer: number | null;
  older: number | null;
  statuses: readonly JobStatus[];
  triggers: readonly JobTrigger[];
};

/** Everything the job runs list shows, from its URL parameters. */
export async function loadJobRuns(
  db: Db,
  params: Params,
  { pageSize = JOB_RUN_PAGE_SIZE }: { pageSize?: number } = {},
): Promise<JobRunsView> {
  const { filters, page, ignored } = parseJobRunFilters(params);
  const result = await listJobRunsPage(db, { ...filters, cursor: page, limit: pageSize });
  return {
    filters,
    ignored,
    rows: result.rows.map(withFigures),
    newer: result.newer,
    older: result.older,
    statuses: jobStatuses,
    triggers: jobTriggers,
  };
}

/** A job run's id as a URL carries it; null when it cannot be one. */
export function parseJobRunId(text: string): number | null {
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/** One job run and the operator who started it (null for the scheduler, cron, the CLI, or a deleted operator). */
export async function loadJobRun(
  db: Db,
  id: string,
): Promise<{ run: JobRunRow; startedBy: { email: string } | null } | null> {
  const runId = parseJobRunId(id);
  if (runId === null) return null;
  const run = await findJobRunById(db, { id: runId });
  if (!run) return null;
  const user = run.startedBy ? await findUserById(db, { id: run.startedBy }) : null;
  return { run: withFigures(run), startedBy: user ? { email: user.email } : null };
}

export type JobRunProgress = Pick<
  JobRunRow,
  "id" | "trigger" | "status" | "startedAt" | "finishedAt" | "durationMs" | "progress" | "summary" | "figures"
>;

/** What the dashboard polls while a run goes: its status and live progress, without who started it. */
export async function loadJobRunProgress(db: Db, id: number): Promise<JobRunProgress | null> {
  const run = await findJobRunById(db, { id });
  if (!run) return null;
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    progress: run.progress,
    summary: run.summary,
    figures: runFigures(run),
  };
}
