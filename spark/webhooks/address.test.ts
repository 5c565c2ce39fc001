import { describe, expect, it } from "vitest";
import { checkWebhookUrl, nonPublicKind, type LookupFn } from "./address";

const resolvesTo =
  (...addresses: string[]): LookupFn =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
const noDns: LookupFn = async (name) => {
  throw new Error(`the test asked DNS about ${name}`);
};

async function refusal(url: string, lookup: LookupFn = noDns): Promise<string> {
  const result = await checkWebhookUrl(url, { allowPrivate: false, lookup });
  if (result.ok) throw new Error(`${url} was accepted`);
  return result.message;
}

describe("checkWebhookUrl refuses what could reach Spark's machine or network", () => {
  it.each([
    ["http://127.0.0.1/hook", "loopback"],
    ["http://127.255.0.9:8080/", "loopback"],
    ["http://[::1]/hook", "loopback"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://10.0.0.1/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://100.64.0.1/", "carrier-grade NAT"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://[fe80::1]/", "link-local"],
    ["http://[fc00::1]/", "private"],
    ["http://[fd12:3456::1]/", "private"],
    ["http://[ff02::1]/", "multicast"],
    // Other spellings of 127.0.0.1 that URL parsing turns into it.
    ["http://0x7f000001/", "loopback"],
    ["http://2130706433/", "loopback"],
    ["http://0x7f.1/", "loopback"],
    ["http://017700000001/", "loopback"],
    ["http://127.1/", "loopback"],
    ["http://0/", "unspecified"],
    ["http://①②⑦.0.0.1/", "loopback"],
    ["http://0177.0.0.1/", "loopback"],
    ["http://0251.0376.0251.0376/", "link-local"],
    // IPv6 forms that carry an IPv4 address reach that address.
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[::ffff:7f00:1]/", "loopback"],
    ["http://[::ffff:a9fe:a9fe]/", "link-local"],
    ["http://[::127.0.0.1]/", "loopback"],
    ["http://[::8.8.8.8]/", "reserved"],
    ["http://[64:ff9b::7f00:1]/", "loopback"],
    ["http://[2002:7f00:1::]/", "loopback"],
    ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "reserved"],
    ["http://[2001:db8::1]/", "documentation"],
  ])("%s is %s", async (url, kind) => {
    const message = await refusal(url);
    expect(message).toContain(kind);
    expect(message).toContain("SPARK_WEBHOOK_ALLOW_PRIVATE=1");
  });

  it("refuses a name that resolves to a private address, without naming the address", async () => {
    const message = await refusal("https://hooks.example.com/in", resolvesTo("127.0.0.1"));
    expect(message).toBe(
      "hooks.example.com resolves to a loopback address. Spark sends webhooks only to public addresses; SPARK_WEBHOOK_ALLOW_PRIVATE=1 allows private ones (for local development).",
    );
    expect(await refusal("https://metadata.example.com/", resolvesTo("169.254.169.254"))).not.toContain("169.254");
    expect(await refusal("https://hooks.example.com/", resolvesTo("::ffff:10.1.2.3"))).toContain("private");
  });

  it("refuses a name when any one of its addresses is private", async () => {
    expect(await refusal("https://hooks.example.com/", resolvesTo("93.184.216.34", "10.0.0.7"))).toContain("private");
    expect(await refusal("https://hooks.example.com/", resolvesTo("2606:4700::1111", "fe80::1"))).toContain(
      "link-local",
    );
  });

  it("refuses localhost through the system's own resolver", async () => {
    const result = await checkWebhookUrl("http://localhost:3000/", { allowPrivate: false });
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining("loopback") });
  });

  it("refuses a name that does not resolve", async () => {
    expect(await refusal("https://nowhere.example.com/", resolvesTo())).toContain("does not resolve");
    expect(await refusal("https://nowhere.example.com/")).toContain("does not resolve");
  });

  it.each([
    ["ftp://example.com/", "https://"],
    ["file:///etc/passwd", "https://"],
    ["gopher://127.0.0.1:6379/_FLUSHALL", "https://"],
    ["javascript:alert(1)", "https://"],
    ["not a url", "not a URL"],
    ["http://user:pass@example.com/", "password"],
    ["http://example.com@127.0.0.1/", "password"],
    [`https://example.com/${"a".repeat(2000)}`, "2000"],
  ])("refuses %s", async (url, says) => {
    expect(await refusal(url)).toContain(says);
  });

  it("accepts public addresses and names that resolve only to them", async () => {
    for (const url of [
      "https://8.8.8.8/hook",
      "http://[2606:4700::1111]:8443/x",
      "http://172.32.0.1/",
      "http://100.128.0.1/",
    ]) {
      expect(await checkWebhookUrl(url, { allowPrivate: false, lookup: noDns }), url).toMatchObject({ ok: true });
    }
    const result = await checkWebhookUrl("https://Hooks.Example.com/in?x=1", {
      allowPrivate: false,
      lookup: resolvesTo("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
    });
    expect(result.ok && result.url.href).toBe("https://hooks.example.com/in?x=1");
  });

  it("accepts private addresses when SPARK_WEBHOOK_ALLOW_PRIVATE allows them", async () => {
    for (const url of ["http://127.0.0.1:8080/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/"]) {
      expect(await checkWebhookUrl(url, { allowPrivate: true, lookup: noDns }), url).toMatchObject({ ok: true });
    }
    expect(
      await checkWebhookUrl("http://receiver.internal/", { allowPrivate: true, lookup: resolvesTo("10.0.0.5") }),
    ).toMatchObject({ ok: true });
    // The shape is still checked.
    expect(await checkWebhookUrl("http://u:p@127.0.0.1/", { allowPrivate: true })).toMatchObject({ ok: false });
  });
});

describe("nonPublicKind", () => {
  it("finds the edges of each range", () => {
    expect(nonPublicKind("172.15.255.255")).toBeNull();
    expect(nonPublicKind("172.16.0.0")).toBe("a private address");
    expect(nonPublicKind("100.63.255.255")).toBeNull();
    expect(nonPublicKind("100.127.255.255")).toContain("NAT");
    expect(nonPublicKind("1.1.1.1")).toBeNull();
    expect(nonPublicKind("::ffff:1.1.1.1")).toBeNull();
    expect(nonPublicKind("64:ff9b::101:101")).toBeNull();
    expect(nonPublicKind("2a00:1450:4001:82b::200e")).toBeNull();
    expect(nonPublicKind("fe80::1%eth0")).not.toBeNull();
    expect(nonPublicKind("fec0::1")).toBe("a private address");
    expect(nonPublicKind("100::1")).toBe("a reserved address");
    expect(nonPublicKind("localhost")).toBe("not an IP address");
  });
});
