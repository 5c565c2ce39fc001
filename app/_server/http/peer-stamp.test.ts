import { createServer, request as httpRequest, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PEER_HEADER } from "@/app/_server/http/client-address";
import { stampPeerAddress } from "./peer-stamp";

describe("stampPeerAddress", () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    stampPeerAddress();
    server = createServer((req, res) =>
      res.end(JSON.stringify({ peer: req.headers[PEER_HEADER], forwardedFor: req.headers["x-forwarded-for"] })),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("replaces a peer header the client forged with the socket's address and leaves X-Forwarded-For alone", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { port, host: "127.0.0.1", headers: { [PEER_HEADER]: "203.0.113.66", "x-forwarded-for": "203.0.113.77" } },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += String(chunk)));
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ peer: "127.0.0.1", forwardedFor: "203.0.113.77" });
  });
});
