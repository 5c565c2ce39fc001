import amqplib from "amqplib";
import type { Page } from "@playwright/test";
import { createOperator, expect, logIn, test } from "./fixtures";
import { adminState } from "./server";

test.use({ storageState: adminState, viewport: { width: 1366, height: 768 } });

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";

async function rabbitAnswers(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

test("an admin creates an inbound in the UI; a message published with amqplib shows up in the event log, a malformed one among the refusals", async ({
  page,
}) => {
  test.skip(!(await rabbitAnswers()), "RabbitMQ does not answer at 127.0.0.1:5672 (guest/guest)");
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const queue = `spark.e2e.inbound.${run}`;
  const name = `orders-in-${run}`;
  const connection = await amqplib.connect(RABBIT);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: false });
  try {
    await page.goto("/subscriptions");
    await page.getByRole("link", { name: "Inbounds" }).click();
    await expect(page.getByRole("heading", { name: "Inbounds", exact: true })).toBeVisible();
    await page.getByRole("link", { name: "New inbound" }).first().click();

    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Broker").selectOption("rabbitmq");
    await page.getByLabel("URL").fill("amqp://guest@127.0.0.1:5672/");
    await page.getByLabel("Password (optional)").fill("guest");
    // A queue that does not exist is refused by the broker check, and the password is not sent back.
    await page.getByLabel("Queue").fill(`${queue}.missing`);
    await page.getByRole("button", { name: "Create inbound" }).click();
    await expect(page.getByText(`There is no queue "${queue}.missing"`)).toBeVisible();
    await expect(page.getByLabel("Queue")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("URL")).toHaveValue("amqp://guest@127.0.0.1:5672/");
    await page.getByLabel("Queue").fill(queue);
    await page.getByLabel("Password (optional)").fill("guest");
    await page.getByRole("button", { name: "Create inbound" }).click();

    await expect(page.getByText(`Created “${name}”.`)).toBeVisible();
    const state = page.getByRole("region", { name: "State" });
    await expect(state).toContainText(`queue ${queue}`);
    await expect(state).toContainText("password kept sealed");
    await expect(page.locator("body")).not.toContainText("guest:guest");
    expect(await scrollsSideways(page)).toBe(false);

    const key = `e2e-inbound:${run}`;
    channel.sendToQueue(
      queue,
      Buffer.from(JSON.stringify({ group: "e2e.inbound", key, context: { note: "<b>from rabbit</b>" } })),
    );
    channel.sendToQueue(queue, Buffer.from("{not json"), { messageId: `broken-${run}` });
    // The server's supervisor looks for new inbounds every few seconds; the page refreshes itself.
    await expect(state).toContainText("1 recorded", { timeout: 30_000 });
    await expect(state).toContainText("1 rejected");
    const rejected = page.getByRole("region", { name: "Rejected messages" });
    await expect(rejected).toContainText("The body is not a JSON object");
    await expect(rejected).toContainText(`broken-${run}`);

    await page.goto(`/events?key=${encodeURIComponent(key)}`);
    await expect(page.getByRole("link", { name: key, exact: true })).toBeVisible();

    await page.goto("/subscriptions/inbounds");
    const row = page.getByRole("row").filter({ hasText: name });
    await expect(row).toContainText("active");
    await expect(row).toContainText("1 recorded");
    expect(await scrollsSideways(page)).toBe(false);
    await row.getByRole("link", { name }).click();

    await page.getByRole("button", { name: "Pause" }).click();
    await expect(state).toContainText("paused");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect(state).toContainText("active");
    await page.getByRole("button", { name: "Delete inbound" }).click();
    await page.getByRole("button", { name: `Delete “${name}”` }).click();
    await expect(page.getByText(`Deleted “${name}”`)).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
  } finally {
    await channel.deleteQueue(queue).catch(() => {});
    await connection.close().catch(() => {});
  }
});

test("an operator who is not an admin cannot open the inbound pages", async ({ page, browser }) => {
  const run = Date.now().toString(36);
  const email = `inbound-watcher-${run}@example.com`;
  const password = "operator password 1234";
  await createOperator(page, email, password);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const operator = await context.newPage();
    await logIn(operator, email, password);
    await expect(operator.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    await operator.goto("/subscriptions");
    await expect(operator.getByRole("link", { name: "Inbounds" })).toHaveCount(0);
    for (const path of ["/subscriptions/inbounds", "/subscriptions/inbounds/new"]) {
      await operator.goto(path);
      await expect(operator).toHaveURL(/\/settings\/account$/);
    }
  } finally {
    await context.close();
  }
});
