import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { newWebhookSecret } from "./secrets";
import { sendWebhook } from "./send";

// A self-signed certificate for hooks.example.test, made for this test alone (valid until 2126).
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgwTN4m1o5mwAYcRl7
5vzdgq0F8Cy+y+oN3UQrg15yIqihRANCAARl4/uSWszap2F56lPsPYXZKMxmqIQa
vJeqb8Oup6OFhj1J8j3Eua4X4JCTclHqNnMQTprzWaXLL4a7Cqq6imp0
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBsTCCAVagAwIBAgIUamdLNtZPoW56cQUhKCaLR6f3aR4wCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSaG9va3MuZXhhbXBsZS50ZXN0MCAXDTI2MTIwNDE0MTUxMloY
DzIxMjYxMTEwMTQxNTEyWjAdMRswGQYDVQQDDBJob29rcy5leGFtcGxlLnRlc3Qw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARl4/uSWszap2F56lPsPYXZKMxmqIQa
vJeqb8Oup6OFhj1J8j3Eua4X4JCTclHqNnMQTprzWaXLL4a7Cqq6imp0o3IwcDAd
BgNVHQ4EFgQU+J6dabiwzLXsxrQVuVeRC7y+NdMwHwYDVR0jBBgwFoAU+J6dabiw
zLXsxrQVuVeRC7y+NdMwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHREEFjAUghJob29r
cy5leGFtcGxlLnRlc3QwCgYIKoZIzj0EAwIDSQAwRgIhANmmWd9uFkmejzj+i6aL
PUEbarh2OLXeuptYnjNyvBBOAiEA1sGjjkHAGr5hTAu+llA2fWhrcE+7bXjPcJuI
GkFnqeY=
-----END CERTIFICATE-----`;

let server: tls.Server | undefined;
afterEach(() => server?.close());

/** A TLS listener on 127.0.0.1 that records the name each client asked for and every TCP connection. */
async function tlsReceiver() {
  const names: string[] = [];
  let connections = 0;
  const context = tls.createSecureContext({ key: KEY, cert: CERT });
  server = tls.createServer({
    key: KEY,
    cert: CERT,
    SNICallback: (name, callback) => {
      names.push(name);
      callback(null, context);
    },
  });
  server.on("connection", (socket) => {
    connections++;
    socket.on("error", () => {});
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, names, connections: () => connections };
}

const message = (url: string, allowPrivate: boolean) => ({
  url,
  id: "msg_tls",
  timestamp: new Date(),
  body: "{}",
  secrets: [newWebhookSecret()],
  allowPrivate,
  timeoutMs: 5_000,
  lookup: async () => [{ address: "127.0.0.1", family: 4 }],
});

describe("sendWebhook over https", () => {
  it("connects to the checked address but asks TLS for the URL's name, and verifies the certificate", async () => {
    const r = await tlsReceiver();
    const result = await sendWebhook(message(`https://hooks.example.test:${r.port}/in`, true));
    expect(r.names).toEqual(["hooks.example.test"]);
    expect(result).toMatchObject({ ok: false, status: null, error: expect.stringContaining("TLS") });
  });

  it("does not open a connection to a refused address", async () => {
    const r = await tlsReceiver();
    const viaName = await sendWebhook(message(`https://hooks.example.test:${r.port}/in`, false));
    const literal = await sendWebhook(message(`https://127.0.0.1:${r.port}/in`, false));
    for (const result of [viaName, literal]) {
      expect(result).toMatchObject({ ok: false, error: expect.stringContaining("loopback") });
    }
    expect(r.connections()).toBe(0);
  });
});
