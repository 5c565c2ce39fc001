import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

export type SinkMessage = { envelopeFrom: string; envelopeTo: string[]; messageId: string; parsed: ParsedMail };
/** An SMTP answer to force for a recipient: e.g. { code: 451, message: "try later" }. */
export type SinkRule = (recipient: string) => { code: number; message: string } | null;

/**
 * A real SMTP server in this process, on 127.0.0.1 and a free port, for tests and benchmarks. It can
 * be stopped and started on the same port, made to answer 4xx/5xx per recipient, or slowed down.
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** With `parse` off: each received message's Message-ID and envelope recipients, in arrival order. */
  readonly messageIds: string[] = [];
  readonly envelopes: string[][] = [];
  rule: SinkRule = () => null;
  delayMs = 0;
  parse = true;
  received = 0;
  private server: SMTPServer | null = null;
  port = 0;

  private options(): SMTPServerOptions {
    return {
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const forced = this.rule(address.address);
        if (!forced) return callback();
        const error = Object.assign(new Error(forced.message), { responseCode: forced.code });
        callback(error);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const finish = async () => {
            if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
            this.received++;
            const raw = Buffer.concat(chunks);
            const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
            if (!this.parse) {
              // Only the Message-ID header, read from the raw headers: enough to count repeats cheaply.
              const head = raw.subarray(0, raw.indexOf("\r\n\r\n") + 1 || raw.length).toString("latin1");
              this.messageIds.push(/^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? "");
              this.envelopes.push(envelopeTo);
            } else {
              const parsed = await simpleParser(raw);
              this.messages.push({
                envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                envelopeTo,
                messageId: parsed.messageId ?? "",
                parsed,
              });
            }
          };
          finish().then(
            () => callback(),
            (error: Error) => callback(error),
          );
        });
      },
    };
  }

  async start(): Promise<this> {
    const server = new SMTPServer(this.options());
    server.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  /** Closes the listener and every open connection, as a crashed mail server would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // smtp-server waits for clients to leave; a pooled client never does on its own.
      for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections ?? [])
        connection.close();
    });
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  byRecipient(address: string): SinkMessage[] {
    return this.messages.filter((m) => m.envelopeTo.includes(address));
  }
}

export async function startSmtpSink(): Promise<SmtpSink> {
  return new SmtpSink().start();
}
