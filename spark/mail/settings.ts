export type MailSettings = {
  /** From address for templates that leave From empty (SPARK_MAIL_FROM). */
  defaultFrom: string;
  /** Domain of every Message-ID: <spark.delivery.<id>@domain>. */
  messageIdDomain: string;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  leaseMs: number;
};

export const defaultMailSettings: MailSettings = {
  defaultFrom: "Spark <spark@localhost>",
  messageIdDomain: "spark.localhost",
  maxAttempts: 8,
  backoffBaseMs: 30_000,
  backoffCapMs: 3_600_000,
  leaseMs: 300_000,
};
