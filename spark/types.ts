/**
 * The domain's types, for pages and components: they name a job run or a delivery status without
 * reaching into the database layer, so db/ can change its modules without touching the UI.
 */
export type {
  DeliveryStatus,
  GeneratorCounts,
  JobError,
  JobProgress,
  JobRun,
  JobStatus,
  JobStatus as JobRunStatus,
  JobSummary,
  JobTrigger,
} from "@/db/schema";
export type { DeliveryLogFilters } from "@/db/queries/deliveries";
export type { EventLogFilters } from "@/db/queries/events";
