import { spawnSync } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext, Page } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { createOperator, expect, logIn, test } from "./fixtures";
import { adminState, readServer } from "./server";

test.use({ storageState: adminState, viewport: { width: 1366, height: 768 } });

/** Whether the page is wider than the window: every subscription page must fit at 1,366 px. */
const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

type Received = { headers: IncomingHttpHeaders; body: string };

/**
 * A receiver on 127.0.0.1 that keeps every request and answers 204, or 500 with a body while `down`:
 * the signatures are checked with `standardwebhooks`, apart from Spark's own signing code.
 */
class Receiver {
  received: Received[] = [];
  down = false;
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (this.down)
        res
          .writeHead(500, { "content-type": "text/plain" })
          .end("receiver is down for maintenance <script>window.__pwned = 1</script>");
      else res.writeHead(204).end();
    });
  });
  async start(path: string) {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  of(key: string) {
    return this.received.filter((r) => (JSON.parse(r.body) as { data: { key: string } }).data.key === key);
  }
}

const verify = (secret: string, { headers, body }: Received) =>
  new Webhook(secret).verify(body, {
    "webhook-id": String(headers["webhook-id"]),
    "webhook-timestamp": String(headers["webhook-timestamp"]),
    "webhook-signature": String(headers["webhook-signature"]),
  }) as { type: string; data: { key: string; group: string; context: Record<string, unknown> } };

/** `npm run api-key` beside the running server, which holds the embedded database: the CLI goes through it. */
function ingestKey(name: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, SPARK_DATA_DIR: readServer().dataDir };
  delete env.DATABASE_URL;
  delete env.PORT;
  const created = spawnSync(
    process.execPath,
    ["node_modules/tsx/dist/cli.mjs", "cli/api-key.ts", "create", name, "--scopes", "ingest"],
    { env, encoding: "utf8", timeout: 60_000 },
  );
  const key = created.stdout.trimEnd().split("\n").at(-1) ?? "";
  if (created.status !== 0 || !/^spk_\S+$/.test(key)) throw new Error(`npm run api-key failed: ${created.stderr}`);
  return key;
}

test("an admin subscribes a webhook, sees its secret once, follows deliveries, a failure parked and replayed, a confirmed rewind, a rotation and a delete", async ({
  page,
  playwright,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const run = Date.now().toString(36);
  const group = `e2e.${run}`;
  const name = `orders-${run}`;
  const receiver = new Receiver();
  // A long path, so the page has to wrap it rather than scroll.
  const url = await receiver.start(`/hooks/spark/${"a-rather-long-path-segment-".repeat(6)}end`);
  const machine: APIRequestContext = await playwright.request.newContext({ baseURL });
  const apiKey = ingestKey(`subs-${run}`);
  const record = async (key: string) => {
    const answer = await machine.post("/api/events", {
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      data: { group: `${group}.placed`, key, context: { run } },
    });
    expect((await answer.json()).results).toMatchObject([{ key, status: "recorded" }]);
  };

  try {
    await page.goto("/");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Subscriptions" }).click();
    await expect(page.getByRole("heading", { name: "Subscriptions", level: 1 })).toBeVisible();
    await page.getByRole("link", { name: "New subscription" }).first().click();

    // A refusal keeps what was typed and says what to fix beside the field.
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("URL").fill(url);
    await page.getByLabel("Event groups").fill("not a pattern");
    await page.getByLabel("Attempt limit").fill("1");
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header 1 name").fill("X-Receiver-Token");
    await page.getByLabel("Header 1 value").fill("token-for-e2e");
    await page.getByRole("button", { name: "Create subscription" }).click();
    await expect(page.getByText("Give an event group, or a pattern with * wildcards")).toBeVisible();
    await expect(page.getByLabel("URL")).toHaveValue(url);
    await expect(page.getByLabel("Header 1 value")).toHaveValue("token-for-e2e");
    await expect(page.getByLabel("Attempt limit")).toHaveValue("1");

    await page.getByLabel("Event groups").fill(`${group}.*`);
    await page.getByRole("button", { name: "Create subscription" }).click();
    const box = page.getByRole("region", { name: "New signing secret" });
    await expect(box).toContainText("you will not see it again");
    await expect(box).toContainText("Standard Webhooks");
    const secret = await box.getByLabel("Signing secret", { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(await scrollsSideways(page)).toBe(false);

    // Shown once: a reload shows the empty form again, never the secret.
    await page.reload();
    await expect(page.getByRole("button", { name: "Create subscription" })).toBeVisible();
    expect(await page.content()).not.toContain(secret);

    await page.goto("/subscriptions");
    const listed = page.getByRole("row").filter({ hasText: name });
    await expect(listed).toContainText(`${group}.*`);
    await expect(listed).toContainText("webhook");
    await expect(listed).toContainText("active");
    expect(await page.content()).not.toContain(secret);
    expect(await scrollsSideways(page)).toBe(false);
    await listed.getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    const detailUrl = page.url();

    // An event reaches the receiver, signed with that secret, with the extra header.
    const first = `${group}:1`;
    await record(first);
    await expect.poll(() => receiver.of(first).length).toBe(1);
    const delivered = receiver.of(first)[0]!;
    expect(verify(secret, delivered)).toMatchObject({
      type: `${group}.placed`,
      data: { key: first, group: `${group}.placed`, context: { run } },
    });
    expect(delivered.headers["x-receiver-token"]).toBe("token-for-e2e");
    const attempts = page.getByRole("region", { name: "Attempts" });
    await expect(attempts.getByRole("row").filter({ hasText: first })).toContainText("delivered");

    // The receiver fails: with an attempt limit of 1 the event is parked at once, with what came back.
    receiver.down = true;
    const second = `${group}:2`;
    await record(second);
    await expect.poll(() => receiver.of(second).length).toBe(1);
    const parked = page.getByRole("region", { name: "Parked events" });
    await expect(parked.getByRole("heading")).toHaveText("Parked events (1)");
    const parkedRow = parked.getByRole("row").filter({ hasText: second });
    await expect(parkedRow).toContainText("500");
    await expect(parkedRow.getByRole("link", { name: second })).toHaveAttribute("href", /^\/events\/\d+$/);
    const failedAttempt = attempts.getByRole("row").filter({ hasText: second });
    await expect(failedAttempt).toContainText("parked");
    await expect(failedAttempt).toContainText("HTTP 500");
    await expect(failedAttempt).toContainText("receiver is down for maintenance <script>");
    // What a receiver answers is shown as text, never run.
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await expect(page.getByRole("region", { name: "State" })).toContainText("500");
    expect(await scrollsSideways(page)).toBe(false);

    // Back up, the parked event is replayed and arrives with the same webhook-id as before.
    receiver.down = false;
    await parkedRow.getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => receiver.of(second).length).toBe(2);
    const [failed, replayed] = receiver.of(second);
    expect(replayed!.headers["webhook-id"]).toBe(failed!.headers["webhook-id"]);
    expect(verify(secret, replayed!).data.key).toBe(second);
    await expect(parked.getByRole("heading")).toHaveText("Parked events (0)");

    // Rewind to the beginning: first the count, then only a confirmation with that count applies it.
    const rewind = page.getByRole("form", { name: "Rewind" });
    await rewind.getByLabel("The beginning").check();
    await rewind.getByRole("button", { name: "Rewind…" }).click();
    await expect(rewind.getByRole("alert")).toContainText("This re-sends 2 events.");
    expect(await scrollsSideways(page)).toBe(false);
    // Meanwhile a third event goes out: the confirmed count no longer holds, so it asks again.
    const third = `${group}:3`;
    await record(third);
    await expect.poll(() => receiver.of(third).length).toBe(1);
    await rewind.getByRole("button", { name: "Rewind, re-sending 2 events" }).click();
    await expect(rewind.getByRole("alert")).toContainText("The count changed");
    await expect(rewind.getByRole("alert")).toContainText("This re-sends 3 events.");
    expect(receiver.of(first)).toHaveLength(1);
    await rewind.getByRole("button", { name: "Rewind, re-sending 3 events" }).click();
    await expect(rewind.getByText("Rewound: 3 events will be sent again, in commit order.")).toBeVisible();
    await expect.poll(() => [first, second, third].map((k) => receiver.of(k).length)).toEqual([2, 3, 2]);
    expect(receiver.of(first)[1]!.headers["webhook-id"]).toBe(receiver.of(first)[0]!.headers["webhook-id"]);

    // A rotation shows the new secret once; both secrets verify while the old one's 24 hours last.
    const secretCard = page.getByRole("region", { name: "Signing secret", exact: true });
    await secretCard.getByRole("button", { name: "Rotate secret…" }).click();
    await secretCard.getByRole("button", { name: "Rotate the secret" }).click();
    const rotated = secretCard.getByRole("region", { name: "New signing secret" });
    await expect(rotated).toContainText("keeps signing for 24 hours");
    const newSecret = await rotated.getByLabel("Signing secret", { exact: true }).inputValue();
    expect(newSecret).not.toBe(secret);
    const fourth = `${group}:4`;
    await record(fourth);
    await expect.poll(() => receiver.of(fourth).length).toBe(1);
    expect(verify(newSecret, receiver.of(fourth)[0]!).data.key).toBe(fourth);
    expect(verify(secret, receiver.of(fourth)[0]!).data.key).toBe(fourth);
    await page.goto(detailUrl);
    expect(await page.content()).not.toContain(newSecret);

    // Parked again, then all of them replayed after a confirmation that states how many.
    receiver.down = true;
    const sixth = `${group}:6`;
    await record(sixth);
    await expect.poll(() => receiver.of(sixth).length).toBe(1);
    await expect(parked.getByRole("heading")).toHaveText("Parked events (1)");
    receiver.down = false;
    await parked.getByRole("button", { name: "Replay all 1…" }).click();
    await expect(parked).toContainText("Send the 1 parked event again?");
    await parked.getByRole("button", { name: "Replay 1 event" }).click();
    await expect.poll(() => receiver.of(sixth).length).toBe(2);
    await expect(parked.getByRole("heading")).toHaveText("Parked events (0)");

    // Paused, an event waits; resumed, it arrives.
    await page.getByRole("button", { name: "Pause" }).click();
    await expect(page.getByRole("button", { name: "Resume" })).toBeVisible();
    await expect(page.getByRole("region", { name: "State" })).toContainText("paused");
    const fifth = `${group}:5`;
    await record(fifth);
    await page.reload();
    await expect(page.getByRole("region", { name: "State" })).toContainText("1 event");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => receiver.of(fifth).length).toBe(1);

    // Deleted after a confirmation that names it; the list says so.
    await page.getByRole("button", { name: "Delete subscription…" }).click();
    await page.getByRole("button", { name: `Delete “${name}”` }).click();
    await expect(page).toHaveURL(/\/subscriptions\?deleted=/);
    await expect(page.getByText(`Deleted “${name}”`)).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
  } finally {
    await machine.dispose();
    await receiver.stop();
  }
});

test("an operator who is not an admin follows subscriptions and may pause one, but not create, rewind, rotate or delete", async ({
  page,
  browser,
}) => {
  const run = Date.now().toString(36);
  const name = `watched-${run}`;
  await page.goto("/subscriptions/new");
  // No code subscriber is registered in this server: the form says how to register one.
  await page.getByLabel("Kind").selectOption("code");
  await expect(page.getByText("No code subscriber is registered")).toContainText("extensions/index.ts");
  await page.getByLabel("Kind").selectOption("webhook");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("URL").fill("http://127.0.0.1:9/unused");
  await page.getByLabel("Event groups").fill(`ops.${run}.*`);
  await page.getByRole("button", { name: "Create subscription" }).click();
  await expect(page.getByRole("region", { name: "New signing secret" })).toBeVisible();

  const email = `watcher-${run}@example.com`;
  const password = "operator password 1234";
  await createOperator(page, email, password);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const operator = await context.newPage();
    await operator.setViewportSize({ width: 1366, height: 768 });
    await logIn(operator, email, password);
    await expect(operator.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    await operator.goto("/subscriptions");
    await expect(operator.getByRole("row").filter({ hasText: name })).toContainText("active");
    await expect(operator.getByRole("link", { name: "New subscription" })).toHaveCount(0);
    await operator.getByRole("link", { name }).click();
    await expect(operator.getByText("Only an admin can rewind a subscription.")).toBeVisible();
    await expect(operator.getByText("Only an admin can rotate the secret.")).toBeVisible();
    await expect(operator.getByRole("button", { name: /Delete/ })).toHaveCount(0);
    await operator.getByRole("button", { name: "Pause" }).click();
    await expect(operator.getByRole("region", { name: "State" })).toContainText("paused");
    await operator.getByRole("button", { name: "Resume" }).click();
    await expect(operator.getByRole("region", { name: "State" })).toContainText("active");
    expect(await scrollsSideways(operator)).toBe(false);
    await operator.goto("/subscriptions/new");
    await expect(operator).toHaveURL(/\/settings\/account$/);
  } finally {
    await context.close();
  }
});
