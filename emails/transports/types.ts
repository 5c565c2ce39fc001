export type MailHeaders = { from: string; to: string[]; cc: string[]; replyTo: string[] };

/** One message for one SMTP envelope: the headers show every recipient, the envelope names one. */
export type OutgoingMail = {
  messageId: string;
  envelope: { from: string; to: string[] };
  headers: MailHeaders;
  subject: string;
  html: string;
  text: string;
};

export type SendResult = { response: string };

/** An outgoing mail already built into its MIME bytes (by `composeMime`), to be sent as it is. */
export type ComposedMail = { messageId: string; envelope: OutgoingMail["envelope"]; raw: Uint8Array };

/**
 * Why a send failed, and whether trying again can help: SMTP 5xx and refused addresses are
 * permanent; 4xx, network errors and timeouts are worth another attempt.
 */
export class SendError extends Error {
  override name = "SendError";
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly response?: string,
  ) {
    super(message);
  }
}

export type Mailer = {
  kind: "smtp" | "capture";
  /** For logs and the UI: never the password. */
  description: string;
  /** How many sends may run at once to good effect (the SMTP pool's size). */
  concurrency: number;
  send(mail: OutgoingMail): Promise<SendResult>;
  /**
   * Sends a mail composed ahead of time. A transport that has it lets the sender build messages in
   * the render workers, leaving the event loop only the bytes to stream.
   */
  sendComposed?(mail: ComposedMail): Promise<SendResult>;
  close(): Promise<void>;
};
