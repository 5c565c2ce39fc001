import nodemailer from "nodemailer";
import { toNodemailer } from "./message";
import type { Mailer, OutgoingMail } from "./types";

export type CapturedMessage = OutgoingMail & { raw: string };

/**
 * Without SMTP_URL, mail is built exactly as it would be sent (the same MIME) and handed to `store`
 * instead of a server; Spark keeps it for the Inbox page.
 */
export function createCaptureMailer({ store }: { store: (message: CapturedMessage) => Promise<void> }): Mailer {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "capture",
    description: "the capture inbox (SMTP_URL is not set)",
    concurrency: 4,
    async send(mail) {
      const info = (await builder.sendMail(toNodemailer(mail))) as { message: Buffer };
      await store({ ...mail, raw: info.message.toString("utf8") });
      return { response: "250 captured by Spark (no SMTP_URL set)" };
    },
    async close() {},
  };
}
