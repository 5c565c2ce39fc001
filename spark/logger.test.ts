import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCliScript } from "@/testing/cli";
import { createLogger, type LoggerOptions } from "./logger";

/** A logger writing to memory, and the lines it wrote, each parsed as JSON (a line that is not JSON fails). */
function capture(options: LoggerOptions = {}) {
  const out = new PassThrough();
  let written = "";
  out.on("data", (chunk) => (written += String(chunk)));
  const log = createLogger({ ...options, info: out, error: out });
  return {
    log,
    raw: () => written,
    lines: () =>
      written
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("the structured logger", () => {
  it("writes one JSON object per line with the level, time, message, fields and a child's bindings", () => {
    const { log, lines } = capture();
    log.info("spark started", { port: 3000 });
    log.child({ subscriptionId: "s-1" }).child({ requestId: "r-9" }).warn("delivery attempt failed", { attempt: 2 });
    const [first, second] = lines();
    expect(first).toMatchObject({ level: "info", msg: "spark started", port: 3000 });
    expect(new Date(String(first!.time)).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({
      level: "warn",
      msg: "delivery attempt failed",
      subscriptionId: "s-1",
      requestId: "r-9",
      attempt: 2,
    });
  });

  it("writes only lines at or above SPARK_LOG_LEVEL", () => {
    const { log, lines } = capture({ level: "warn" });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines().map((l) => l.level)).toEqual(["warn", "error"]);
    const silent = capture({ level: "silent" });
    silent.log.error("nothing");
    expect(silent.raw()).toBe("");
    const debug = capture({ level: "debug" });
    debug.log.debug("d");
    expect(debug.lines()).toMatchObject([{ level: "debug", msg: "d" }]);
  });

  it("sends debug and info to one stream and warnings and errors to the other, each line once", () => {
    const info = new PassThrough();
    const error = new PassThrough();
    let infoText = "";
    let errorText = "";
    info.on("data", (c) => (infoText += String(c)));
    error.on("data", (c) => (errorText += String(c)));
    const log = createLogger({ info, error });
    log.info("to stdout");
    log.error("to stderr");
    expect(infoText).toContain("to stdout");
    expect(infoText).not.toContain("to stderr");
    expect(errorText).toContain("to stderr");
    expect(errorText).not.toContain("to stdout");
  });

  it("never writes a connection string's password, a bearer API key or a webhook secret, wherever they are", () => {
    const { log, lines, raw } = capture();
    const key = "spk_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";
    const url = "postgres://spark:pa55-w0rd-hunter2@db.internal:5432/app";
    log.error(`could not connect to ${url} with Authorization: Bearer ${key}`);
    log.warn("broker down", {
      url: "amqp://spark:rabbit-secret-77@rabbit:5672/",
      headers: { Authorization: `Bearer ${key}`, accept: "application/json" },
      request: { headers: { authorization: `Bearer ${key}` } },
      broker: { password: "plain-password-42", host: "rabbit" },
      password: "top-level-password-43",
      secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0",
      error: new Error(`connect ECONNREFUSED ${url}`),
      nested: [{ deeper: { text: `token ${key}` } }],
    });
    log.child({ databaseUrl: url }).info("child with a secret binding");
    const text = raw();
    for (const secret of [
      "pa55-w0rd-hunter2",
      "rabbit-secret-77",
      "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA",
      "plain-password-42",
      "top-level-password-43",
      "c2VjcmV0c2VjcmV0c2VjcmV0",
    ])
      expect(text).not.toContain(secret);
    const [first, second] = lines();
    expect(first!.msg).toBe(
      "could not connect to postgres://spark:[redacted]@db.internal:5432/app with Authorization: Bearer [redacted]",
    );
    expect(second).toMatchObject({
      url: "amqp://spark:[redacted]@rabbit:5672/",
      headers: { Authorization: "[redacted]", accept: "application/json" },
      broker: { password: "[redacted]", host: "rabbit" },
      error: "connect ECONNREFUSED postgres://spark:[redacted]@db.internal:5432/app",
    });
  });

  it("never writes a secret nested deep, in an array, under another spelling, glued to text or in key=value form", () => {
    const { log, raw } = capture();
    log.warn("deep", { inbound: { broker: { password: "s3cr3t1" } }, items: [{ password: "s3cr3t2" }] });
    log.warn("spellings", {
      auth: { user: "spark", pass: "s3cr3t3" },
      Password: "s3cr3t4",
      smtpPassword: "s3cr3t5",
      internalSecret: "s3cr3t6",
      DATABASE_URL: "s3cr3t7",
      tokenHash: "s3cr3t8",
    });
    log.child({ a: { b: { token: "s3cr3t9" } } }).info("child");
    log.error("glued xspk_s3cr3t10 and _whsec_s3cr3t11");
    log.error("libpq host=db password=s3cr3t12 user=x; url postgres://u@h/db?password=s3cr3t13&ssl=1");
    log.error('body was {"password": "s3cr3t14", "name": "ok"}');
    log.error("at in password postgres://u:p@s3cr3t15@db.internal/app");
    const text = raw();
    expect(text).not.toContain("s3cr3t");
    // What is not a secret stays readable.
    expect(text).toContain('"user":"spark"');
    expect(text).toContain("@db.internal/app");
    expect(text).toContain(String.raw`\"name\": \"ok\"`);
  });

  it("keeps a hostile value on its own line: newlines, control characters and lone surrogates are escaped", () => {
    const { log, lines, raw } = capture();
    const forged = '{"level":"error","msg":"forged"}';
    log.warn(`inbound message rejected\n${forged}`, {
      messageId: `m-1\n${forged}\r\n`,
      routingKey: "a\u0000b\u001b[31mred\u2028c",
      key: "lone \ud800 surrogate",
    });
    const written = lines();
    expect(written).toHaveLength(1);
    expect(raw().trim().split("\n")).toHaveLength(1);
    expect(written[0]!.msg).toBe(`inbound message rejected\n${forged}`);
    expect(written[0]!.messageId).toBe(`m-1\n${forged}\r\n`);
    expect(raw()).not.toContain("\u0000");
    expect(raw()).not.toContain("\u001b");
  });

  it("writes readable lines when pretty, in this thread (no worker transport)", () => {
    const out = new PassThrough();
    let written = "";
    out.on("data", (c) => (written += String(c)));
    createLogger({ pretty: true, info: out, error: out }).child({ runId: 7 }).info("job run finished", { events: 3 });
    expect(written).toContain("INFO");
    expect(written).toContain("job run finished");
    expect(written).toContain("runId: 7");
    expect(() => JSON.parse(written)).toThrow();
  });

  it("forges no entry when pretty: a line break or escape sequence in a message is written escaped", () => {
    const out = new PassThrough();
    let written = "";
    out.on("data", (c) => (written += String(c)));
    createLogger({ pretty: true, info: out, error: out }).warn(
      "inbound message rejected\n[12:00:00.000] ERROR: forged\r\u001b[2K\u2028",
    );
    expect(written.split("\n").filter((line) => /^\[[\d:.]+\] [A-Z]+:/.test(line))).toHaveLength(1);
    expect(written).toContain("rejected\\n[12:00:00.000] ERROR: forged\\u000d\\u001b[2K\\u2028");
    expect(written).not.toContain("\u001b");
  });
});

describe("a bad SPARK_LOG_LEVEL", () => {
  it("stops a CLI with one line that says what to set", async () => {
    const run = await runCliScript("cli/job.ts", [], { env: { SPARK_LOG_LEVEL: "verbose" } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      "spark: SPARK_LOG_LEVEL 'verbose' is not a level; set it to debug, info, warn, error, silent.",
    ]);
  });
});
