import nodemailer, { type Transporter } from "nodemailer";
import type Mail from "nodemailer/lib/mailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";
import { toNodemailer } from "./message";
import { SendError, type Mailer } from "./types";

type SmtpFailure = Error & { code?: string; responseCode?: number; response?: string; rejected?: string[] };

const TRANSIENT_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EAI_AGAIN",
  "ETLS",
  "EPROTOCOL",
]);

/** SMTP 5xx and refused envelopes are permanent; 4xx, network errors and timeouts are transient. */
export function classifySmtpError(error: unknown): SendError {
  const e = error as SmtpFailure;
  const response = e.response ?? undefined;
  const message = (e.response ?? e.message ?? String(error)).replace(/\s+/g, " ").trim();
  if (typeof e.responseCode === "number") return new SendError(message, e.responseCode >= 500, response);
  if (e.code && TRANSIENT_CODES.has(e.code)) return new SendError(`${e.code}: ${message}`, false, response);
  if (e.code === "EENVELOPE" || e.code === "EMESSAGE") return new SendError(message, true, response);
  return new SendError(message, false, response);
}

/** `smtp://user:pass@host:587` without the password, for logs and the UI. */
export function describeSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}`;
  } catch {
    return "an SMTP server";
  }
}

async function sendThrough(transport: Transporter<SMTPPool.SentMessageInfo>, message: Mail.Options) {
  try {
    const info = await transport.sendMail(message);
    if (info.rejected.length > 0 && info.accepted.length === 0)
      throw Object.assign(new Error(`The server refused ${info.rejected.join(", ")}`), {
        code: "EENVELOPE",
        response: info.response,
      });
    return { response: info.response };
  } catch (error) {
    throw error instanceof SendError ? error : classifySmtpError(error);
  }
}

/**
 * A pooled SMTP transport. nodemailer's pool reconnects every 100 messages by default, and each new
 * connection waits for the server's greeting; the limit is raised so a busy pass keeps its connections.
 */
export function createSmtpMailer({
  url,
  connections,
  timeoutMs = 30_000,
}: {
  url: string;
  connections: number;
  timeoutMs?: number;
}): Mailer {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: connections,
    maxMessages: Infinity,
    connectionTimeout: Math.min(timeoutMs, 15_000),
    greetingTimeout: Math.min(timeoutMs, 15_000),
    socketTimeout: timeoutMs,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    kind: "smtp",
    description: describeSmtpUrl(url),
    concurrency: connections,
    send: (mail) => sendThrough(transport, toNodemailer(mail)),
    // nodemailer streams a raw message as it is: no header of its own is added to it.
    sendComposed: ({ envelope, raw }) =>
      sendThrough(transport, { envelope, raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) }),
    async close() {
      transport.close();
    },
  };
}
