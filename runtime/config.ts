import { resolve } from "node:path";
import { z } from "zod";
import { PASSWORD_MIN_LENGTH } from "@/spark/accounts/schemas";
import type { EnvConnection } from "@/spark/connections/types";

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
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new ConfigError(
        `${key} is not a URL; set it like postgres://reader:password@db.example.com:5432/app or mysql://reader:password@db.example.com:3306/app.`,
      );
    }
    const kind =
      url.protocol === "postgres:" || url.protocol === "postgresql:"
        ? "postgres"
        : url.protocol === "mysql:" || url.protocol === "mariadb:"
          ? "mysql"
          : null;
    if (!kind)
      throw new ConfigError(`${key} must start with postgres:// or mysql:// (it starts with ${url.protocol}//).`);
    if (!url.hostname) throw new ConfigError(`${key} names no host; set it like ${kind}://reader:password@host/app.`);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (!database) throw new ConfigError(`${key} names no database; end it with /<database>.`);
    const ssl = ["require", "verify-full", "verify-ca", "true"].includes(
      url.searchParams.get("sslmode") ?? url.searchParams.get("ssl") ?? "",
    );
    found.push({
      name,
      kind,
      host: url.hostname,
      port: url.port ? Number(url.port) : kind === "postgres" ? 5432 : 3306,
      database,
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl,
    });
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
  };
}
