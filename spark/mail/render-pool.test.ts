import { afterAll, describe, expect, it } from "vitest";
import { NO_PARTIALS } from "@/emails/liquid";
import type { MailTemplateSource } from "@/emails/render";
import { createRenderPool } from "./render-pool";

const base: MailTemplateSource = {
  subject: "Hi {{ n }}",
  html: "",
  text: "Hello {{ n }}",
  from: "",
  to: "a@example.com",
  cc: "",
  bcc: "",
  replyTo: "",
};
// Ninety million iterations: past the 2-second render limit on any machine, not only on a slow one.
const runaway = { ...base, text: "{% for a in (1..3000) %}{% for b in (1..30000) %}{% endfor %}{% endfor %}" };
const request = (n: number) => ({
  partials: NO_PARTIALS,
  templates: [
    { cacheKey: "fine", source: base, layout: "" },
    { cacheKey: null, source: runaway, layout: "" },
  ],
  contexts: [{ n }],
  items: [
    { template: 0, context: 0 },
    { template: 1, context: 0 },
    { template: 0, context: 0 },
  ],
  defaultFrom: "spark@example.com",
});
const texts = (outcomes: Awaited<ReturnType<ReturnType<typeof createRenderPool>["render"]>>) =>
  outcomes.map((o) => (o.ok ? o.mail.text : o.message));

describe("the render pool", () => {
  const pool = createRenderPool({ size: 2 });
  afterAll(() => pool.close());

  it("renders a batch in one message and fails only the runaway render, while the event loop keeps turning through eight of them", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.render(request(i))));
    clearInterval(timer);
    expect(outcomes.map(texts)).toEqual(
      Array.from({ length: 8 }, (_, i) => [
        `Hello ${i}`,
        // liquidjs's own limit names the loop's position; the pool's hard stop (under load) the field's start.
        expect.stringMatching(
          /^Text body: The template took longer than 2 s; simplify its loops \(line 1, column (25|1)\)$/,
        ),
        `Hello ${i}`,
      ]),
    );
    // Eight renders of two seconds each on two workers: a blocked loop would not have ticked at all.
    expect(ticks).toBeGreaterThan(20);
  }, 60_000);

  it("terminates a worker that makes no progress within the hard limit, replaces it and renders the rest of the batch", async () => {
    // liquidjs's own limit (2 s) would come later: this pool's hard limit is what stops the render. Half
    // a second leaves a cold replacement worker time to compile and render the rest on a loaded machine.
    const strict = createRenderPool({ size: 1, limitMs: 500, graceMs: 0 });
    try {
      const outcomes = await strict.render(request(7));
      expect(texts(outcomes)).toEqual([
        "Hello 7",
        "The template took longer than 0.5 s; simplify its loops",
        "Hello 7",
      ]);
      expect(texts(await strict.render({ ...request(8), items: [{ template: 0, context: 0 }] }))).toEqual(["Hello 8"]);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it("fails a render still running in a worker when the pool closes, instead of leaving it unsettled", async () => {
    const closing = createRenderPool({ size: 1 });
    // A first render brings the worker up, so the next one is handed to it at once rather than queued.
    expect(texts(await closing.render({ ...request(1), items: [{ template: 0, context: 0 }] }))).toEqual(["Hello 1"]);
    const running = closing.render({ ...request(2), items: [{ template: 1, context: 0 }] });
    const settled = expect(running).rejects.toThrow("The render pool is closed.");
    await closing.close();
    await settled;
  }, 20_000);

  it("builds mails into their MIME bytes in the workers, in order, a big batch on every worker", async () => {
    const mails = Array.from({ length: 300 }, (_, i) => ({
      messageId: `<m.${i}@example.com>`,
      envelope: { from: "spark@example.com", to: [`u${i}@example.com`] },
      headers: { from: "Spark <spark@example.com>", to: [`u${i}@example.com`], cc: [], replyTo: [] },
      subject: `Hello ${i}`,
      html: `<p>Hi ${i}</p>`,
      text: `Hi ${i}`,
    }));
    const built = await pool.compose(mails);
    expect(built).toHaveLength(300);
    built.forEach((bytes, i) => {
      const raw = Buffer.from(bytes!).toString("utf8");
      expect(raw).toContain(`Message-ID: <m.${i}@example.com>\r\n`);
      expect(raw).toContain(`Subject: Hello ${i}\r\n`);
      expect(raw).toContain("Auto-Submitted: auto-generated\r\n");
    });
  });

  it("answers null for mail it could not build, so the sender builds it itself", async () => {
    const dead = createRenderPool({ size: 1, workerFile: "/nonexistent/render-worker.mjs" });
    try {
      const mail = {
        messageId: "<m@example.com>",
        envelope: { from: "spark@example.com", to: ["u@example.com"] },
        headers: { from: "spark@example.com", to: ["u@example.com"], cc: [], replyTo: [] },
        subject: "Hi",
        html: "",
        text: "Hi",
      };
      expect(await dead.compose([mail, mail])).toEqual([null, null]);
    } finally {
      await dead.close();
    }
  });
});
