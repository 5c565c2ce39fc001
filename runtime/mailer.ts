import type { Db } from "@/db/client";
import { insertCapturedMail } from "@/db/queries/captured-mails";
import { createCaptureMailer } from "@/emails/transports/capture";
import { createSmtpMailer } from "@/emails/transports/smtp";
import type { Mailer } from "@/emails/transports/types";
import type { SparkConfig } from "./config";

/** SMTP_URL set: a pooled SMTP transport. Unset: the capture transport, whose mail the Inbox shows. */
export function createMailer(config: SparkConfig, db: Db): Mailer {
  if (config.mail.smtpUrl)
    return createSmtpMailer({ url: config.mail.smtpUrl, connections: config.mail.smtpConnections });
  return createCaptureMailer({
    store: async (mail) => {
      const deliveryId = /^<spark\.delivery\.(\d+)@/.exec(mail.messageId)?.[1];
      await insertCapturedMail(db, {
        deliveryId: deliveryId ? Number(deliveryId) : null,
        messageId: mail.messageId,
        envelopeFrom: mail.envelope.from,
        envelopeTo: mail.envelope.to,
        headers: mail.headers,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        raw: mail.raw,
      });
    },
  });
}
