import type { Db } from "@/db/client";
import type { Mailer } from "@/emails/transports/types";
import type { Connections } from "./connections";
import type { Handler } from "./events/handlers";
import type { Logger } from "./logger";
import type { MailSettings } from "./mail/settings";
import type { RenderPool } from "./mail/render-pool";
import type { CodeSource } from "./sources/types";
import type { CodeSubscriber } from "./subscriptions/subscribers";
import type { Metrics } from "./metrics";

/** The engine's tunables, derived once from the environment by the composition root (runtime/deps.ts). */
export type Settings = {
  mail: MailSettings;
  /**
   * How long a job pass, or a delivery being sent, is held before another process may take it over:
   * one figure, because a pass that stops renewing its lease and a sender that stops sending die alike.
   */
  leaseMs: number;
  /** A pass's time for sending due mail, so a cron-called pass answers before the cron gives up. */
  jobBudgetMs: number;
  retentionDays: number;
  /** Candidates a source hands over per batch; each batch is one transaction. */
  batchSize: number;
  publicUrl: string;
  sessionDays: number;
  /** Webhooks may reach loopback and private addresses (SPARK_WEBHOOK_ALLOW_PRIVATE=1). */
  webhookAllowPrivate: boolean;
  /** A destination failing without a break for this long is disabled. */
  subscriptionDisableAfterMs: number;
};

/**
 * Everything the engine needs from the outside world, built once by `runtime/deps.ts` for the server,
 * the CLI, the benchmarks and the reliability suite (tests build one with `testing/deps.ts`). Every
 * engine operation reads as `verbNoun(deps, input)`.
 */
export type Deps = {
  db: Db;
  mailer: Mailer;
  clock: () => Date;
  log: Logger;
  settings: Settings;
  /** Where SQL sources, and code sources such as the demo's, read from (with SPARK_SQL_TIMEOUT_SECONDS as their limit). */
  connections: Connections;
  /** Code sources registered at start (the demo's, the operator's extensions), in order. */
  sources: readonly CodeSource[];
  /** Handlers registered in code, run in this order on every new event whose group they match. */
  handlers: readonly Handler[];
  /** Code subscribers registered at start: destinations a subscription of kind "code" names. */
  subscribers: readonly CodeSubscriber[];
  /** Renders Liquid in worker threads, so no request or transaction waits on a template. */
  renderer: RenderPool;
  /** The process's Prometheus metrics (GET /api/metrics). */
  metrics: Metrics;
};

export const defaultSettings: Settings = {
  mail: {
    defaultFrom: "Spark <spark@localhost>",
    messageIdDomain: "spark.localhost",
    maxAttempts: 8,
    backoffBaseMs: 30_000,
    backoffCapMs: 3_600_000,
  },
  leaseMs: 60_000,
  jobBudgetMs: 50_000,
  retentionDays: 30,
  batchSize: 1000,
  publicUrl: "http://localhost:3000",
  sessionDays: 14,
  webhookAllowPrivate: false,
  subscriptionDisableAfterMs: 5 * 86_400_000,
};
