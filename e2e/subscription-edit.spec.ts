import amqplib from "amqplib";
import type { APIRequestContext, Page } from "@playwright/test";
import { Receiver } from "../testing/webhook-receiver";
import { expect, test } from "./fixtures";
import { adminState } from "./server";

test.use({ storageState: adminState, viewport: { width: 1366, height: 768 } });

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

const RABBIT = "amqp://guest:guest@127.0.0.1:5672/";
async function rabbitAnswers(): Promise<boolean> {
  try {
    await (await amqplib.connect(RABBIT)).close();
    return true;
  } catch {
    return false;
  }
}

/** An admin key made on Settings → API keys, to record events as an application would. */
async function ingestKey(page: Page, name: string): Promise<string> {
  await page.goto("/settings/api-keys");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("checkbox", { name: /^ingest/ }).check();
  await page.getByRole("button", { name: "Create API key" }).click();
  const key = await page.getByRole("region", { name: "New API key" }).getByLabel("New API key").inputValue();
  expect(key).toMatch(/^spk_/);
  return key;
}

async function record(machine: APIRequestContext, key: string, group: string, eventKey: string) {
  const answer = await machine.post("/api/events", {
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    data: { group, key: eventKey, context: { eventKey } },
  });
  expect((await answer.json()).results).toMatchObject([{ key: eventKey, status: "recorded" }]);
}

test("an admin edits a webhook in place: new URL and groups from its checkpoint, the secret kept, a header typed again for the new host, a stale save refused", async ({
  page,
  browser,
  playwright,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const run = Date.now().toString(36);
  const name = `moving-${run}`;
  const first = new Receiver();
  const second = new Receiver();
  const firstUrl = await first.start();
  const secondUrl = await second.start();
  const machine = await playwright.request.newContext({ baseURL });
  try {
    const apiKey = await ingestKey(page, `edit-${run}`);
    await page.goto("/subscriptions/new");
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("URL").fill(firstUrl);
    await page.getByLabel("Event groups").fill(`old.${run}.*`);
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header 1 name").fill("X-Receiver-Token");
    await page.getByLabel("Header 1 value").fill("kept-token");
    await page.getByRole("button", { name: "Create subscription" }).click();
    const secret = await page
      .getByRole("region", { name: "New signing secret" })
      .getByLabel("Signing secret", { exact: true })
      .inputValue();
    await page.getByRole("link", { name: `Open “${name}”` }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    const detail = page.url();

    // Two tabs open the edit form; the first saves a new URL and groups, keeping the header's value.
    await page.getByRole("link", { name: "Edit" }).click();
    await expect(page.getByRole("heading", { name: `Edit ${name}`, level: 1 })).toBeVisible();
    const other = await browser.newPage({ storageState: adminState, viewport: { width: 1366, height: 768 } });
    await other.goto(page.url());
    await expect(page.getByLabel("Header 1 name")).toHaveValue("X-Receiver-Token");
    await expect(page.getByLabel("Header 1 value")).toHaveValue("");
    await expect(page.getByLabel("Header 1 value")).toHaveAttribute("placeholder", "unchanged");
    expect(await page.content()).not.toContain("kept-token");
    expect(await scrollsSideways(page)).toBe(false);
    await page.getByLabel("URL").fill(secondUrl);
    await page.getByLabel("Event groups").fill(`new.${run}.*`);
    // Another host: a stored header value is not sent there unless it is typed again.
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText("stored ones are only sent to the host they were saved for")).toBeVisible();
    await expect(page.getByLabel("URL")).toHaveValue(secondUrl);
    await page.getByLabel("Header 1 value").fill("kept-token");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText(`Saved “${name}”`)).toBeVisible();
    expect(page.url()).toContain(`${detail}?saved=1`);
    await expect(page.getByRole("region", { name: "State" })).toContainText(secondUrl);

    const key = `new.${run}.placed:1`;
    await record(machine, apiKey, `new.${run}.placed`, key);
    await expect.poll(() => second.received.length).toBe(1);
    expect(second.verified(secret)).toMatchObject([{ data: { key } }]);
    expect(second.received[0]!.headers["x-receiver-token"]).toBe("kept-token");
    expect(first.received).toHaveLength(0);

    // The second tab still holds the old version: its save is refused, saying what changed, and keeps its values.
    await other.getByLabel("Attempt limit").fill("3");
    await other.getByRole("button", { name: "Save changes" }).click();
    const refusal = other.getByRole("alert").filter({ hasText: "since you opened it" });
    await expect(refusal).toContainText("event groups, destination.");
    await expect(other.getByLabel("Attempt limit")).toHaveValue("3");
    await other.close();
  } finally {
    await machine.dispose();
    await first.stop();
    await second.stop();
  }
});

test("an admin relays events to RabbitMQ from the Subscriptions page, then points the relay at another routing key", async ({
  page,
  playwright,
  baseURL,
}) => {
  test.skip(!(await rabbitAnswers()), "RabbitMQ does not answer on 127.0.0.1:5672");
  test.setTimeout(120_000);
  const run = Date.now().toString(36);
  const name = `rabbit-${run}`;
  const exchange = `spark.e2e.${run}`;
  const connection = await amqplib.connect(RABBIT);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
  const queue = (await channel.assertQueue("", { exclusive: true })).queue;
  await channel.bindQueue(queue, exchange, "#");
  const machine = await playwright.request.newContext({ baseURL });
  const received = async () => {
    const got: string[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) return got;
      got.push(`${message.fields.routingKey} ${String(message.properties.messageId)}`);
    }
  };
  try {
    const apiKey = await ingestKey(page, `rabbit-${run}`);
    await page.goto("/subscriptions/new");
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Kind").selectOption("rabbitmq");
    await page.getByLabel("Broker URL").fill("amqp://guest@127.0.0.1:5672/");
    await page.getByLabel("Password (optional)").fill("guest");
    // An exchange that does not exist is refused beside its field, and the password is not sent back.
    await page.getByLabel("Exchange").fill(`missing.${run}`);
    await page.getByLabel("Event groups").fill(`relay.${run}.*`);
    await page.getByRole("button", { name: "Create subscription" }).click();
    await expect(page.getByText("Fix the fields marked below")).toBeVisible();
    await expect(page.getByLabel("Broker URL")).toHaveValue("amqp://guest@127.0.0.1:5672/");
    await page.getByLabel("Exchange").fill(exchange);
    await page.getByRole("button", { name: "Create subscription" }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    const state = page.getByRole("region", { name: "State" });
    await expect(state).toContainText(exchange);
    await expect(state).toContainText("{group}");
    await expect(state).not.toContainText("guest:guest");
    expect(await scrollsSideways(page)).toBe(false);

    await record(machine, apiKey, `relay.${run}.a`, `relay.${run}.a:1`);
    await expect.poll(received).toEqual([`relay.${run}.a relay.${run}.a:1`]);

    // The password stays sealed: the edit form says it is kept, and the relay goes on with it.
    await page.getByRole("link", { name: "Edit" }).click();
    await expect(page.getByLabel("Password (optional)")).toHaveValue("");
    // As Spark keeps it: the default vhost spelled out, no password.
    await expect(page.getByLabel("Broker URL")).toHaveValue("amqp://guest@127.0.0.1:5672/%2F");
    await page.getByLabel("Routing key (optional)").fill("moved.{group}");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText(`Saved “${name}”`)).toBeVisible();
    await expect(page.getByRole("region", { name: "State" })).toContainText("moved.{group}");
    await record(machine, apiKey, `relay.${run}.b`, `relay.${run}.b:1`);
    await expect.poll(received).toEqual([`moved.relay.${run}.b relay.${run}.b:1`]);
  } finally {
    await machine.dispose();
    await channel.deleteExchange(exchange).catch(() => {});
    await connection.close();
  }
});
