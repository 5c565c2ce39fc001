import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address";

describe("clientAddress", () => {
  it.each([
    [
      "no proxy: the peer, whatever X-Forwarded-For claims",
      { peer: "198.51.100.4", forwardedFor: "203.0.113.9", trustedProxies: 0 },
      "198.51.100.4",
    ],
    ["no proxy and no header", { peer: "198.51.100.4", forwardedFor: null, trustedProxies: 0 }, "198.51.100.4"],
    ["no proxy, IPv4-mapped peer", { peer: "::ffff:127.0.0.1", forwardedFor: null, trustedProxies: 0 }, "127.0.0.1"],
    ["no proxy, IPv6 peer", { peer: "2001:DB8::1", forwardedFor: null, trustedProxies: 0 }, "2001:db8::1"],
    [
      "one proxy: the address it appended",
      { peer: "10.0.0.2", forwardedFor: "203.0.113.9", trustedProxies: 1 },
      "203.0.113.9",
    ],
    [
      "one proxy: a client's own entries on the left are ignored",
      { peer: "10.0.0.2", forwardedFor: "1.2.3.4, 5.6.7.8, 203.0.113.9", trustedProxies: 1 },
      "203.0.113.9",
    ],
    [
      "two proxies: second from the right",
      { peer: "10.0.0.3", forwardedFor: "1.2.3.4, 203.0.113.9, 10.0.0.2", trustedProxies: 2 },
      "203.0.113.9",
    ],
    [
      "two proxies, spaces and empty entries",
      { peer: "10.0.0.3", forwardedFor: " 203.0.113.9 ,, 10.0.0.2 ", trustedProxies: 2 },
      "203.0.113.9",
    ],
    [
      "fewer entries than proxies: the peer",
      { peer: "10.0.0.3", forwardedFor: "203.0.113.9", trustedProxies: 2 },
      "10.0.0.3",
    ],
    ["one proxy but no header: the peer", { peer: "10.0.0.2", forwardedFor: null, trustedProxies: 1 }, "10.0.0.2"],
    ["no peer known", { peer: null, forwardedFor: "203.0.113.9", trustedProxies: 0 }, "unknown"],
  ])("%s", (_name, input, expected) => {
    expect(clientAddress(input)).toBe(expected);
  });

  it("keeps a long forged entry from growing the table", () => {
    expect(clientAddress({ peer: null, forwardedFor: "x".repeat(10_000), trustedProxies: 1 })).toHaveLength(100);
  });
});
