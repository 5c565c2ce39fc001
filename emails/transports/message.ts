import type Mail from "nodemailer/lib/mailer";
import type { OutgoingMail } from "./types";

/** nodemailer's view of an outgoing mail; both transports build the same MIME from it. */
export function toNodemailer(mail: OutgoingMail): Mail.Options {
  return {
    messageId: mail.messageId,
    envelope: mail.envelope,
    from: mail.headers.from,
    to: mail.headers.to,
    cc: mail.headers.cc.length > 0 ? mail.headers.cc : undefined,
    replyTo: mail.headers.replyTo.length > 0 ? mail.headers.replyTo : undefined,
    subject: mail.subject,
    text: mail.text,
    html: mail.html || undefined,
    // Automated mail: tell auto-responders not to answer it.
    headers: { "Auto-Submitted": "auto-generated" },
  };
}
