import { resolve } from "node:path";
import { targetOfConnectionUrl } from "@/spark/connections/url";
import { z } from "zod";
import { PASSWORD_MIN_LENGTH } from "@/spark/accounts/schemas";
import type { EnvConnection } from "@/spark/connections/types";
import { LOG_LEVELS, type LogLevel } from "@/spark/logger";

export type { EnvConnection };

/** A setting that cannot work, told in one line that says what to set instead. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export type SparkConfig = {
  port: number;
  publicUrl: string;
  database: { driver: "postgres"; url: string; poolSize: number } | { driver: "pglite"; dataDir: string };
  dataDir: string;
  sessionDays: number;
  admin: { email: string; password: string } | null;
  /** Bearer secret for POST /api/jobs/run; null leaves the route answering 503 to cron. */
  cronSecret: string | null;
  scheduleSeconds: number;
  sqlTimeoutMs: number;
  demo: boolean;
  mail: {
    /** null: the capture transport, shown in the Inbox. */
    smtpUrl: string | null;
    smtpConnections: number;
    from: string;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffCapMs: number;
  };
  /** SPARK_LEASE_SECONDS: how long a pass or a delivery being sent is held before another may take it. */
  leaseMs: number;
  jobBudgetMs: number;
  retentionDays: number;
  /** Proxies in front of Spark that append to X-Forwarded-For; 0: the socket's peer is the client. */
  trustedProxies: number;
  /** Seals the passwords of connections saved in the UI; null: such connections cannot keep a password. */
  secretKey: string | null;
  /** Connections declared as SPARK_CONNECTION_<NAME>=postgres://… or mysql://…, password included. */
  connections: EnvConnection[];
  /** SPARK_WEBHOOK_ALLOW_PRIVATE=1: webhooks may reach loopback and private addresses (tests, local development). */
  webhookAllowPrivate: boolean;
  /** SPARK_SUBSCRIPTION_DISABLE_DAYS: a destination failing without a break for this long is disabled. */
  subscriptionDisableAfterMs: number;
  /** SPARK_METRICS_TOKEN: a bearer token a Prometheus scraper may use for GET /api/metrics instead of an API key. */
  metricsToken: string | null;
  /** SPARK_LOG_LEVEL and SPARK_LOG_FORMAT: which lines are written, as JSON or readable (development). */
  log: { level: LogLevel; pretty: boolean };
};

type Env = Record<string, string | undefined>;

const emailSchema = z.email();

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw))
    throw new ConfigError(`${name} '${raw}' is not a whole number; set ${name} to ${min}–${max}.`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} ${raw} is out of range; set ${name} to ${min}–${max}.`);
  return value;
}

/** SPARK_CONNECTION_<NAME> variables, each a URL; the password never appears in an error. */
function readConnections(env: Env): EnvConnection[] {
  const found: EnvConnection[] = [];
  for (const [key, raw] of Object.entries(env)) {
    const match = /^SPARK_CONNECTION_([A-Za-z0-9_]+)$/.exec(key);
    if (!match || !raw?.trim()) continue;
    const name = match[1]!.toLowerCase().replace(/_/g, "-");
    const parsed = targetOfConnectionUrl(raw, key);
    if (!parsed.ok) throw new ConfigError(parsed.message);
    found.push({ name, ...parsed.target });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Reads Spark's settings from the environment; every problem becomes a ConfigError. */
export function loadConfig(env: Env = process.env): SparkConfig {
  const port = readInt(env, "PORT", 3000, 1, 65535);
  // The data dir is chosen at run time; the comment keeps the bundler from tracing the whole project.
  const dataDir = resolve(/*turbopackIgnore: true*/ env.SPARK_DATA_DIR?.trim() || ".spark");
  const databaseUrl = env.DATABASE_URL?.trim();
  const database: SparkConfig["database"] = databaseUrl
    ? { driver: "postgres", url: databaseUrl, poolSize: readInt(env, "SPARK_DB_POOL", 10, 1, 500) }
    : { driver: "pglite", dataDir };

  const publicUrl = (env.SPARK_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/\s]+/.test(publicUrl)) {
    throw new ConfigError(
      `SPARK_URL '${env.SPARK_URL}' is not an http(s) URL; set it to the address operators open, e.g. https://spark.example.com.`,
    );
  }

  const adminEmail = env.SPARK_ADMIN_EMAIL?.trim();
  const adminPassword = env.SPARK_ADMIN_PASSWORD;
  let admin: SparkConfig["admin"] = null;
  if (adminEmail || adminPassword) {
    if (!adminEmail || !adminPassword)
      throw new ConfigError(
        "Set both SPARK_ADMIN_EMAIL and SPARK_ADMIN_PASSWORD to create the first admin, or neither.",
      );
    if (!emailSchema.safeParse(adminEmail).success)
      throw new ConfigError(`SPARK_ADMIN_EMAIL '${adminEmail}' is not an email address.`);
    if (adminPassword.length < PASSWORD_MIN_LENGTH) {
      throw new ConfigError(
        `SPARK_ADMIN_PASSWORD is shorter than ${PASSWORD_MIN_LENGTH} characters; choose a longer one.`,
      );
    }
    admin = { email: adminEmail, password: adminPassword };
  }

  const cronSecret = env.SPARK_CRON_SECRET?.trim() || null;
  if (cronSecret && cronSecret.length < 16)
    throw new ConfigError(
      "SPARK_CRON_SECRET is shorter than 16 characters; use a long random value (openssl rand -hex 32).",
    );

  const smtpUrl = env.SMTP_URL?.trim() || null;
  if (smtpUrl && !/^smtps?:\/\/[^/\s]+/.test(smtpUrl))
    throw new ConfigError(
      "SMTP_URL is not an smtp:// or smtps:// URL; set it like smtp://user:password@mail.example.com:587.",
    );
  const from = env.SPARK_MAIL_FROM?.trim() || "Spark <spark@localhost>";
  const fromAddress = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!emailSchema.safeParse(fromAddress).success && !/^[^\s@]+@localhost$/.test(fromAddress)) {
    throw new ConfigError(`SPARK_MAIL_FROM '${from}' is not an address; set it like "Spark <spark@example.com>".`);
  }
  const backoffBaseMs = readInt(env, "SPARK_BACKOFF_BASE_SECONDS", 30, 1, 86_400) * 1000;
  const backoffCapMs = readInt(env, "SPARK_BACKOFF_CAP_SECONDS", 3_600, 1, 7 * 86_400) * 1000;
  if (backoffCapMs < backoffBaseMs)
    throw new ConfigError(
      "SPARK_BACKOFF_CAP_SECONDS is below SPARK_BACKOFF_BASE_SECONDS; the cap must be at least the base.",
    );

  const secretKey = env.SPARK_SECRET_KEY?.trim() || null;
  if (secretKey && secretKey.length < 32)
    throw new ConfigError(
      "SPARK_SECRET_KEY is shorter than 32 characters; use a long random value (openssl rand -hex 32) and keep it: it opens the stored connection passwords.",
    );

  return {
    port,
    publicUrl,
    database,
    dataDir,
    sessionDays: readInt(env, "SPARK_SESSION_DAYS", 14, 1, 365),
    admin,
    cronSecret,
    scheduleSeconds: readInt(env, "SPARK_SCHEDULE_SECONDS", 60, 0, 86_400),
    sqlTimeoutMs: readInt(env, "SPARK_SQL_TIMEOUT_SECONDS", 10, 1, 3_600) * 1000,
    demo: env.SPARK_DEMO?.trim() !== "0",
    mail: {
      smtpUrl,
      smtpConnections: readInt(env, "SPARK_SMTP_POOL", 5, 1, 100),
      from,
      maxAttempts: readInt(env, "SPARK_MAX_ATTEMPTS", 8, 1, 100),
      backoffBaseMs,
      backoffCapMs,
    },
    leaseMs: readInt(env, "SPARK_LEASE_SECONDS", 60, 5, 86_400) * 1000,
    jobBudgetMs: readInt(env, "SPARK_JOB_BUDGET_SECONDS", 50, 1, 3_600) * 1000,
    retentionDays: readInt(env, "SPARK_RETENTION_DAYS", 30, 1, 36_500),
    trustedProxies: readInt(env, "SPARK_TRUSTED_PROXIES", 0, 0, 10),
    secretKey,
    connections: readConnections(env),
    webhookAllowPrivate: env.SPARK_WEBHOOK_ALLOW_PRIVATE?.trim() === "1",
    subscriptionDisableAfterMs: readInt(env, "SPARK_SUBSCRIPTION_DISABLE_DAYS", 5, 1, 365) * 86_400_000,
    metricsToken: readMetricsToken(env),
    log: readLog(env),
  };
}

const logLevelSchema = z.enum(LOG_LEVELS);
const logFormatSchema = z.enum(["json", "pretty"]);

function readLog(env: Env): SparkConfig["log"] {
  const rawLevel = env.SPARK_LOG_LEVEL?.trim().toLowerCase() || "info";
  const level = logLevelSchema.safeParse(rawLevel);
  if (!level.success)
    throw new ConfigError(
      `SPARK_LOG_LEVEL '${oneLine(env.SPARK_LOG_LEVEL ?? "")}' is not a level; set it to ${LOG_LEVELS.join(", ")}.`,
    );
  // Readable lines while developing (next dev), one JSON object per line everywhere else.
  const rawFormat = env.SPARK_LOG_FORMAT?.trim().toLowerCase() || (env.NODE_ENV === "development" ? "pretty" : "json");
  const format = logFormatSchema.safeParse(rawFormat);
  if (!format.success)
    throw new ConfigError(`SPARK_LOG_FORMAT '${oneLine(env.SPARK_LOG_FORMAT ?? "")}' is not json or pretty.`);
  return { level: level.data, pretty: format.data === "pretty" };
}

/** A value echoed in a startup error stays on that error's one line, and short. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 40);
}

function readMetricsToken(env: Env): string | null {
  const token = env.SPARK_METRICS_TOKEN?.trim();
  if (!token) return null;
  if (token.length < 16 || /\s/.test(token))
    throw new ConfigError(
      "SPARK_METRICS_TOKEN must be at least 16 characters without spaces; set a long random value.",
    );
  return token;
}
