export type MailSettings = {
  /** From address for templates that leave From empty (SPARK_MAIL_FROM). */
  defaultFrom: string;
  /** Domain of every Message-ID: <spark.delivery.<id>@domain>. */
  messageIdDomain: string;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
};
