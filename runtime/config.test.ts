import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("runs with an empty environment: port 3000, embedded database in ./.spark, no first admin, a pass a minute", () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      publicUrl: "http://localhost:3000",
      database: { driver: "pglite", dataDir: resolve(".spark") },
      dataDir: resolve(".spark"),
      sessionDays: 14,
      admin: null,
      cronSecret: null,
      scheduleSeconds: 60,
      sqlTimeoutMs: 10_000,
      demo: true,
      mail: {
        smtpUrl: null,
        smtpConnections: 5,
        from: "Spark <spark@localhost>",
        maxAttempts: 8,
        backoffBaseMs: 30_000,
        backoffCapMs: 3_600_000,
      },
      leaseMs: 60_000,
      jobBudgetMs: 50_000,
      retentionDays: 30,
      trustedProxies: 0,
      secretKey: null,
      connections: [],
      webhookAllowPrivate: false,
      subscriptionDisableAfterMs: 5 * 86_400_000,
      metricsToken: null,
      log: { level: "info", pretty: false },
    });
  });

  it("reads SPARK_LOG_LEVEL and SPARK_LOG_FORMAT, and refuses a level it does not know in one line", () => {
    expect(loadConfig({ SPARK_LOG_LEVEL: " WARN " }).log).toEqual({ level: "warn", pretty: false });
    expect(loadConfig({ NODE_ENV: "development" }).log).toEqual({ level: "info", pretty: true });
    expect(loadConfig({ NODE_ENV: "development", SPARK_LOG_FORMAT: "json" }).log.pretty).toBe(false);
    const error = configErrorOf({ SPARK_LOG_LEVEL: "loud\nforged line" });
    expect(error.message).toBe(
      "SPARK_LOG_LEVEL 'loud?forged line' is not a level; set it to debug, info, warn, error, silent.",
    );
    expect(configErrorOf({ SPARK_LOG_FORMAT: "xml" }).message).toContain(
      "SPARK_LOG_FORMAT 'xml' is not json or pretty",
    );
  });

  it("reads SPARK_TRUSTED_PROXIES and refuses what is not a count of proxies", () => {
    expect(loadConfig({ SPARK_TRUSTED_PROXIES: "2" }).trustedProxies).toBe(2);
    expect(loadConfig({ SPARK_WEBHOOK_ALLOW_PRIVATE: "1" }).webhookAllowPrivate).toBe(true);
    expect(loadConfig({ SPARK_SUBSCRIPTION_DISABLE_DAYS: "2" }).subscriptionDisableAfterMs).toBe(2 * 86_400_000);
    expect(configErrorOf({ SPARK_TRUSTED_PROXIES: "yes" }).message).toBe(
      "SPARK_TRUSTED_PROXIES 'yes' is not a whole number; set SPARK_TRUSTED_PROXIES to 0–10.",
    );
    expect(configErrorOf({ SPARK_TRUSTED_PROXIES: "11" }).message).toBe(
      "SPARK_TRUSTED_PROXIES 11 is out of range; set SPARK_TRUSTED_PROXIES to 0–10.",
    );
  });

  it("reads the mail settings and refuses ones that cannot work", () => {
    const config = loadConfig({
      SMTP_URL: "smtp://user:secret@mail.example.com:587",
      SPARK_SMTP_POOL: "10",
      SPARK_MAIL_FROM: "Alerts <alerts@example.com>",
      SPARK_MAX_ATTEMPTS: "3",
      SPARK_BACKOFF_BASE_SECONDS: "10",
      SPARK_BACKOFF_CAP_SECONDS: "600",
      SPARK_LEASE_SECONDS: "60",
      SPARK_JOB_BUDGET_SECONDS: "20",
      SPARK_RETENTION_DAYS: "7",
    });
    expect(config).toMatchObject({
      mail: {
        smtpUrl: "smtp://user:secret@mail.example.com:587",
        smtpConnections: 10,
        from: "Alerts <alerts@example.com>",
        maxAttempts: 3,
        backoffBaseMs: 10_000,
        backoffCapMs: 600_000,
      },
      leaseMs: 60_000,
      jobBudgetMs: 20_000,
      retentionDays: 7,
    });
    expect(configErrorOf({ SMTP_URL: "mail.example.com" }).message).toBe(
      "SMTP_URL is not an smtp:// or smtps:// URL; set it like smtp://user:password@mail.example.com:587.",
    );
    expect(configErrorOf({ SMTP_URL: "http://user:hunter2@x" }).message).not.toContain("hunter2");
    expect(configErrorOf({ SPARK_MAIL_FROM: "nobody" }).message).toBe(
      `SPARK_MAIL_FROM 'nobody' is not an address; set it like "Spark <spark@example.com>".`,
    );
    expect(configErrorOf({ SPARK_BACKOFF_BASE_SECONDS: "100", SPARK_BACKOFF_CAP_SECONDS: "10" }).message).toBe(
      "SPARK_BACKOFF_CAP_SECONDS is below SPARK_BACKOFF_BASE_SECONDS; the cap must be at least the base.",
    );
    expect(configErrorOf({ SPARK_RETENTION_DAYS: "0" }).message).toBe(
      "SPARK_RETENTION_DAYS 0 is out of range; set SPARK_RETENTION_DAYS to 1–36500.",
    );
  });

  it("reads the job settings", () => {
    const config = loadConfig({
      SPARK_CRON_SECRET: "0123456789abcdef",
      SPARK_SCHEDULE_SECONDS: "0",
      SPARK_SQL_TIMEOUT_SECONDS: "3",
      SPARK_DEMO: "0",
    });
    expect(config).toMatchObject({
      cronSecret: "0123456789abcdef",
      scheduleSeconds: 0,
      sqlTimeoutMs: 3000,
      demo: false,
    });
    expect(() => loadConfig({ SPARK_CRON_SECRET: "short" })).toThrow("SPARK_CRON_SECRET is shorter than 16 characters");
    expect(() => loadConfig({ SPARK_SCHEDULE_SECONDS: "soon" })).toThrow(
      "SPARK_SCHEDULE_SECONDS 'soon' is not a whole number; set SPARK_SCHEDULE_SECONDS to 0–86400.",
    );
  });

  it("reads PORT, trimmed, and uses it in the default public URL", () => {
    const config = loadConfig({ PORT: " 8080 " });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe("http://localhost:8080");
  });

  it("rejects a PORT that is not a number, saying what to set", () => {
    expect(configErrorOf({ PORT: "abc" }).message).toBe("PORT 'abc' is not a whole number; set PORT to 1–65535.");
    expect(configErrorOf({ PORT: "-1" }).message).toBe("PORT '-1' is not a whole number; set PORT to 1–65535.");
    expect(configErrorOf({ PORT: "80.5" }).message).toBe("PORT '80.5' is not a whole number; set PORT to 1–65535.");
  });

  it("rejects a PORT outside 1–65535", () => {
    expect(configErrorOf({ PORT: "0" }).message).toBe("PORT 0 is out of range; set PORT to 1–65535.");
    expect(configErrorOf({ PORT: "70000" }).message).toBe("PORT 70000 is out of range; set PORT to 1–65535.");
    expect(loadConfig({ PORT: "65535" }).port).toBe(65535);
  });

  it("takes SPARK_URL as the public URL without trailing slashes", () => {
    expect(loadConfig({ SPARK_URL: "https://spark.example.com/" }).publicUrl).toBe("https://spark.example.com");
    expect(loadConfig({ SPARK_URL: " https://example.com/spark// " }).publicUrl).toBe("https://example.com/spark");
  });

  it("rejects a SPARK_URL that is not http(s)", () => {
    expect(configErrorOf({ SPARK_URL: "spark.example.com" }).message).toMatch(
      /^SPARK_URL 'spark.example.com' is not an http\(s\) URL; set it to /,
    );
    expect(configErrorOf({ SPARK_URL: "ftp://spark.example.com" }).message).toMatch(
      /^SPARK_URL 'ftp:\/\/spark.example.com' is not an http\(s\) URL/,
    );
    expect(configErrorOf({ SPARK_URL: "https://" }).message).toMatch(/^SPARK_URL 'https:\/\/' is not an http\(s\) URL/);
  });

  it("creates the first admin only from both SPARK_ADMIN_EMAIL and SPARK_ADMIN_PASSWORD", () => {
    const both = "Set both SPARK_ADMIN_EMAIL and SPARK_ADMIN_PASSWORD to create the first admin, or neither.";
    expect(configErrorOf({ SPARK_ADMIN_EMAIL: "ada@example.com" }).message).toBe(both);
    expect(configErrorOf({ SPARK_ADMIN_PASSWORD: "a long enough password" }).message).toBe(both);
    expect(configErrorOf({ SPARK_ADMIN_EMAIL: "ada@example.com", SPARK_ADMIN_PASSWORD: "" }).message).toBe(both);
    expect(loadConfig({ SPARK_ADMIN_EMAIL: " ada@example.com ", SPARK_ADMIN_PASSWORD: "twelve chars" }).admin).toEqual({
      email: "ada@example.com",
      password: "twelve chars",
    });
  });

  it("rejects an admin email that is not an email address", () => {
    expect(configErrorOf({ SPARK_ADMIN_EMAIL: "ada", SPARK_ADMIN_PASSWORD: "a long enough password" }).message).toBe(
      "SPARK_ADMIN_EMAIL 'ada' is not an email address.",
    );
  });

  it("rejects an admin password shorter than 12 characters", () => {
    expect(configErrorOf({ SPARK_ADMIN_EMAIL: "ada@example.com", SPARK_ADMIN_PASSWORD: "eleven char" }).message).toBe(
      "SPARK_ADMIN_PASSWORD is shorter than 12 characters; choose a longer one.",
    );
  });

  it("uses Postgres when DATABASE_URL is set, with a pool of 10 unless SPARK_DB_POOL says otherwise", () => {
    const url = "postgres://spark:secret@db.internal:5432/spark";
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ driver: "postgres", url, poolSize: 10 });
    expect(loadConfig({ DATABASE_URL: ` ${url} `, SPARK_DB_POOL: "3" }).database).toEqual({
      driver: "postgres",
      url,
      poolSize: 3,
    });
    expect(configErrorOf({ DATABASE_URL: url, SPARK_DB_POOL: "0" }).message).toBe(
      "SPARK_DB_POOL 0 is out of range; set SPARK_DB_POOL to 1–500.",
    );
  });

  it("treats a blank DATABASE_URL as unset", () => {
    expect(loadConfig({ DATABASE_URL: "  " }).database.driver).toBe("pglite");
  });

  it("resolves SPARK_DATA_DIR to an absolute path for the embedded database", () => {
    const config = loadConfig({ SPARK_DATA_DIR: "var/spark" });
    expect(config.dataDir).toBe(resolve("var/spark"));
    expect(config.database).toEqual({ driver: "pglite", dataDir: resolve("var/spark") });
  });

  it("limits SPARK_SESSION_DAYS to 1–365", () => {
    expect(loadConfig({ SPARK_SESSION_DAYS: "30" }).sessionDays).toBe(30);
    expect(configErrorOf({ SPARK_SESSION_DAYS: "400" }).message).toBe(
      "SPARK_SESSION_DAYS 400 is out of range; set SPARK_SESSION_DAYS to 1–365.",
    );
  });

  it("reads connections declared as SPARK_CONNECTION_<NAME>, and names a bad one without its password", () => {
    expect(
      loadConfig({
        SPARK_CONNECTION_APP_DB: "postgres://reader:s3cret@db.internal:6432/app?sslmode=require",
        SPARK_CONNECTION_SHOP: "mysql://ro:pw@shop/sales",
      }).connections,
    ).toEqual([
      {
        name: "app-db",
        kind: "postgres",
        host: "db.internal",
        port: 6432,
        database: "app",
        username: "reader",
        password: "s3cret",
        ssl: true,
      },
      {
        name: "shop",
        kind: "mysql",
        host: "shop",
        port: 3306,
        database: "sales",
        username: "ro",
        password: "pw",
        ssl: false,
      },
    ]);
    const bad = (url: string) => {
      try {
        loadConfig({ SPARK_CONNECTION_X: url });
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(bad("redis://u:hunter2@h/0")).toBe(
      "SPARK_CONNECTION_X must start with postgres:// or mysql:// (it starts with redis://).",
    );
    expect(bad("postgres://u:hunter2@h")).toMatch(/names no database/);
    expect(bad("not a url hunter2")).toMatch(/^SPARK_CONNECTION_X is not a URL/);
    for (const message of [bad("redis://u:hunter2@h/0"), bad("postgres://u:hunter2@h"), bad("not a url hunter2")])
      expect(message).not.toContain("hunter2");
  });

  it("refuses a PostgreSQL connection that asks for its server's certificate to be checked, which Spark does not do, rather than quietly giving less", () => {
    for (const mode of ["verify-full", "VERIFY-CA"])
      expect(() => loadConfig({ SPARK_CONNECTION_X: `postgres://u:hunter2@db/app?sslmode=${mode}` })).toThrow(
        `SPARK_CONNECTION_X asks for sslmode=${mode.toLowerCase()}, but Spark does not check a PostgreSQL server's certificate; use sslmode=require (encrypted, the certificate not checked) over a network you trust.`,
      );
    // MySQL sessions check the certificate whenever TLS is on.
    expect(loadConfig({ SPARK_CONNECTION_X: "mysql://u:pw@db/app?sslmode=verify-full" }).connections[0]!.ssl).toBe(
      true,
    );
  });

  it("wants SPARK_SECRET_KEY long enough to seal passwords", () => {
    expect(() => loadConfig({ SPARK_SECRET_KEY: "short" })).toThrow(/SPARK_SECRET_KEY is shorter than 32 characters/);
    expect(loadConfig({ SPARK_SECRET_KEY: "k".repeat(32) }).secretKey).toBe("k".repeat(32));
  });
});
