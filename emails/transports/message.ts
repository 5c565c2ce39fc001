import type Mail from "nodemailer/lib/mailer";
import MailComposer from "nodemailer/lib/mail-composer";
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

/**
 * The message as nodemailer would put it on the wire for `toNodemailer(mail)` (the same headers and
 * parts; only the MIME boundary is random), built ahead of the send so the work can happen off the
 * event loop and the send itself only streams bytes.
 */
export function composeMime(mail: OutgoingMail): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    new MailComposer(toNodemailer(mail))
      .compile()
      .build((error, message) => (error ? reject(error) : resolve(message))),
  );
}
