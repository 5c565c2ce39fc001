import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { isWebhookSecret, newWebhookSecret } from "./secrets";
import { signWebhook, webhookBody, webhookIdOf } from "./sign";

const body = webhookBody({
  key: "order_paid:42",
  group: "order_paid",
  context: { total: 12.5, note: "ünïcödé ✓" },
  createdAt: new Date("2026-12-04T10:00:00.123Z"),
});

describe("webhook secrets", () => {
  it("are whsec_ and the base64 of 32 random bytes, different every time", () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(isWebhookSecret(a)).toBe(true);
  });

  it("refuses strings that would sign with a key other than the one shown", () => {
    const short = `whsec_${Buffer.alloc(16, 1).toString("base64")}`;
    const long = `whsec_${Buffer.alloc(65, 1).toString("base64")}`;
    for (const s of ["", "whsec_", short, long, newWebhookSecret().slice(6), `${newWebhookSecret()}!`]) {
      expect(isWebhookSecret(s), s).toBe(false);
    }
    expect(isWebhookSecret(`whsec_${Buffer.alloc(24, 7).toString("base64")}`)).toBe(true);
  });
});

describe("signWebhook", () => {
  it("gives the signature standardwebhooks computes, and its verify accepts", () => {
    const secret = newWebhookSecret();
    const timestamp = new Date();
    const id = webhookIdOf("0b7e1d2c-9a52-4c3e-8f0e-1f2a3b4c5d6e", 7);
    const signature = signWebhook({ id, timestamp, body, secrets: [secret] });
    expect(signature).toBe(new Webhook(secret).sign(id, timestamp, body));
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow(/signature/);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(/signature/);
  });

  it("signs once per secret during a rotation, and a receiver holding either one verifies", () => {
    const [previous, current] = [newWebhookSecret(), newWebhookSecret()];
    const timestamp = new Date();
    const signature = signWebhook({ id: "msg_1", timestamp, body, secrets: [current, previous] });
    expect(signature.split(" ")).toHaveLength(2);
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
    };
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("throws on a malformed secret or none, rather than send fewer signatures than asked", () => {
    const input = { id: "msg_1", timestamp: new Date(), body };
    expect(() => signWebhook({ ...input, secrets: [] })).toThrow(/at least one/);
    expect(() => signWebhook({ ...input, secrets: [newWebhookSecret(), "whsec_abc"] })).toThrow(/whsec_/);
  });
});

describe("webhookBody", () => {
  it("is type, timestamp and data as the issue specifies, with the aggregate when there is one", () => {
    expect(JSON.parse(body)).toEqual({
      type: "order_paid",
      timestamp: "2026-12-04T10:00:00.123Z",
      data: { key: "order_paid:42", group: "order_paid", context: { total: 12.5, note: "ünïcödé ✓" } },
    });
    const withAggregate = webhookBody({
      key: "k",
      group: "order.paid",
      context: {},
      createdAt: new Date(0),
      aggregate: { type: "order", id: "o-1", version: 3 },
    });
    expect(JSON.parse(withAggregate).data).toEqual({
      key: "k",
      group: "order.paid",
      context: {},
      aggregate: { type: "order", id: "o-1" },
      version: 3,
    });
  });
});

describe("webhookIdOf", () => {
  it("is stable per endpoint and event, and differs between endpoints and between events", () => {
    const a = "0b7e1d2c-9a52-4c3e-8f0e-1f2a3b4c5d6e";
    const b = "9d1c0e7a-1111-4c3e-8f0e-1f2a3b4c5d6e";
    expect(webhookIdOf(a, 1)).toBe(webhookIdOf(a, 1));
    expect(webhookIdOf(a, 1)).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(new Set([webhookIdOf(a, 1), webhookIdOf(a, 2), webhookIdOf(b, 1), webhookIdOf(b, 2)]).size).toBe(4);
    expect(webhookIdOf(a, 1)).not.toContain(a);
    expect(() => webhookIdOf(a, 1.5)).toThrow();
  });
});
