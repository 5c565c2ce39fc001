import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type Received = { headers: IncomingHttpHeaders; body: string };

/**
 * A receiver written from the Standard Webhooks specification's library alone: it verifies every request
 * with `standardwebhooks`, independently of Spark's signing code, and answers what the test says.
 */
export class Receiver {
  server: Server;
  received: Received[] = [];
  answer: (request: Received) => { status: number; headers?: Record<string, string> } = () => ({ status: 204 });
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const request = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
        this.received.push(request);
        const { status, headers } = this.answer(request);
        res.writeHead(status, headers).end("ok");
      });
    });
  }
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  verified(secret: string) {
    return this.received.map(({ headers, body }) =>
      new Webhook(secret).verify(body, {
        "webhook-id": String(headers["webhook-id"]),
        "webhook-timestamp": String(headers["webhook-timestamp"]),
        "webhook-signature": String(headers["webhook-signature"]),
      }),
    );
  }
}
