import { adminState, readServer } from "./server";
import { spawnSync } from "node:child_process";
import type { Page } from "@playwright/test";
import { createOperator, expect, logIn, test } from "./fixtures";

test.use({ storageState: adminState, viewport: { width: 1366, height: 768 } });

/** Whether the page is wider than the window: the new key's box and an open confirmation must fit at 1,366 px. */
const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

test("an admin creates a key, sees it once, records an event with it, revokes it, and the key is refused", async ({
  page,
  playwright,
  baseURL,
}) => {
  const name = `deploy-${Date.now().toString(36)}`;
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("heading", { name: "Create an API key" })).toBeVisible();

  // Field errors sit beside their fields.
  await page.getByLabel("Name").fill("   ");
  await page.getByRole("checkbox", { name: /^ingest/ }).uncheck();
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("Give the key a name: who or what will use it.")).toBeVisible();
  await expect(page.getByText("Pick at least one scope.")).toBeVisible();

  await page.getByLabel("Name").fill(name);
  await page.getByRole("checkbox", { name: /^ingest/ }).check();
  await page.getByRole("checkbox", { name: /^read/ }).check();
  await page.getByRole("button", { name: "Create API key" }).click();
  const box = page.getByRole("region", { name: "New API key" });
  await expect(box).toContainText("you will not see it again");
  const secret = await box.getByLabel("New API key").inputValue();
  expect(secret).toMatch(/^spk_[A-Za-z0-9_-]{43}$/);
  await expect(box.getByLabel("Example request")).toContainText(
    `curl -H "Authorization: Bearer ${secret}" -H "content-type: application/json" -d '{"group":"signup","key":"signup:42","context":{}}'`,
  );
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText(`${secret.slice(0, 10)}…`);
  await expect(row).toContainText("live");
  await expect(row).toContainText("by admin@example.com");
  expect(await scrollsSideways(page)).toBe(false);

  // Shown once: a reload shows the list, never the key.
  await page.reload();
  await expect(page.getByRole("row").filter({ hasText: name })).toBeVisible();
  await expect(page.getByRole("region", { name: "New API key" })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // The key works against the machine API, without a session cookie.
  const machine = await playwright.request.newContext({ baseURL });
  const eventKey = `signup:${name}`;
  const post = () =>
    machine.post("/api/events", {
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      data: { group: "signup", key: eventKey, context: { via: "e2e" } },
      failOnStatusCode: false,
    });
  const recorded = await post();
  expect(recorded.status()).toBe(200);
  expect((await recorded.json()).results).toMatchObject([{ key: eventKey, status: "recorded" }]);
  const wrongScheme = await machine.post("/api/events", {
    headers: { authorization: `Token ${secret}`, "content-type": "application/json" },
    data: { group: "signup", key: `${eventKey}:x`, context: {} },
    failOnStatusCode: false,
  });
  expect(wrongScheme.status()).toBe(401);
  // Past Node's header limit the server answers 431 before Spark runs; under it, Spark refuses unread.
  for (const size of [5_000, 40_000]) {
    const huge = await machine.post("/api/events", {
      headers: { authorization: `Bearer spk_${"A".repeat(size)}`, "content-type": "application/json" },
      data: { group: "signup", key: `${eventKey}:huge`, context: {} },
      failOnStatusCode: false,
    });
    expect([401, 431], `a ${size}-character key`).toContain(huge.status());
  }

  // The event log names the key the event came from, and its filter offers the key.
  await page.goto(`/events?key=${encodeURIComponent(eventKey)}`);
  await expect(page.getByRole("row").filter({ hasText: eventKey })).toContainText(`API key "${name}"`);
  await page.getByLabel("Origin").selectOption({ label: `API key "${name}"` });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("row").filter({ hasText: eventKey })).toBeVisible();

  // Used: the list says when and from where.
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("from ");

  // Revoke, with a confirmation that names the key; the page shows it revoked at once.
  const live = page.getByRole("row").filter({ hasText: name });
  await live.getByRole("button", { name: "Revoke" }).click();
  await expect(live).toContainText(`Revoke the key “${name}”`);
  expect(await scrollsSideways(page)).toBe(false);
  await live.getByRole("button", { name: `Revoke “${name}”` }).click();
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("revoked");
  await expect(page.getByRole("row").filter({ hasText: name }).getByRole("button", { name: "Revoke" })).toHaveCount(0);

  const refused = await post();
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error).toContain(`The API key "${name}" was revoked`);
  await machine.dispose();

  // The log still names a revoked key, and its filter marks it.
  await page.goto("/events");
  await expect(page.getByLabel("Origin").locator("option", { hasText: `API key "${name}" (revoked)` })).toHaveCount(1);
});

test("an operator who is not an admin sees no API keys page, and a replayed create action is refused", async ({
  page,
  browser,
}) => {
  // The admin's own create post, captured to replay as the operator.
  await page.goto("/settings/api-keys");
  const adminName = `replay-${Date.now().toString(36)}`;
  await page.getByLabel("Name").fill(adminName);
  const posted = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
  await page.getByRole("button", { name: "Create API key" }).click();
  const request = await posted;
  await expect(page.getByRole("region", { name: "New API key" })).toBeVisible();

  const email = `keyless-${Date.now()}@example.com`;
  const password = "operator password 1234";
  await createOperator(page, email, password);
  // Not the admin's stored sign-in, which this file's pages use.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const operator = await context.newPage();
  await logIn(operator, email, password);
  await expect(operator.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  await operator.goto("/settings/api-keys");
  await expect(operator).toHaveURL(/\/settings\/account$/);
  await expect(
    operator.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "API keys" }),
  ).toHaveCount(0);

  const headers = { ...(await request.allHeaders()) };
  for (const h of ["cookie", "content-length", "host"]) delete headers[h];
  const replay = (as: typeof context.request, newName: string) =>
    as.post("/settings/api-keys", {
      headers,
      data: Buffer.from(request.postDataBuffer()!.toString("latin1").replace(adminName, newName), "latin1"),
      maxRedirects: 0,
      failOnStatusCode: false,
    });
  const stolenName = `${adminName}-stolen`;
  expect(await (await replay(context.request, stolenName)).text()).not.toMatch(/spk_[A-Za-z0-9_-]{43}/);
  // The same replay with the admin's own session does create a key: the refusal above was the role check.
  const replayedName = `${adminName}-again`;
  expect(await (await replay(page.context().request, replayedName)).text()).toMatch(/spk_[A-Za-z0-9_-]{43}/);
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("row").filter({ hasText: replayedName })).toHaveCount(1);
  await expect(page.getByRole("row").filter({ hasText: stolenName })).toHaveCount(0);
  await context.close();
});

/** `npm run api-key` beside the running server, which holds the embedded database: the CLI goes through it. */
function apiKeyCli(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SPARK_DATA_DIR: readServer().dataDir };
  delete env.DATABASE_URL;
  return spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "cli/api-key.ts", ...args], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
}

test("npm run api-key goes through the running server: the key it prints works, the page lists it, revoke ends it", async ({
  page,
  playwright,
  baseURL,
}) => {
  const name = `cli-${Date.now().toString(36)}`;
  const created = apiKeyCli(["create", name, "--scopes", "ingest"]);
  expect(created.stderr).toContain("held by the server");
  expect(created.status).toBe(0);
  const secret = created.stdout.trimEnd().split("\n").at(-1)!;
  expect(secret).toMatch(/^spk_[A-Za-z0-9_-]{43}$/);

  const machine = await playwright.request.newContext({ baseURL });
  const post = () =>
    machine.post("/api/events", {
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      data: { group: "signup", key: `signup:${name}` },
      failOnStatusCode: false,
    });
  expect((await post()).status()).toBe(200);

  await page.goto("/settings/api-keys");
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("from the command line");
  const listed = apiKeyCli(["list"]);
  expect(listed.status).toBe(0);
  expect(listed.stdout).toContain(`\t${name}\t${secret.slice(0, 10)}…\tingest\tlive\t`);
  expect(listed.stdout).not.toContain(secret);

  expect(apiKeyCli(["create", name, "--scopes", "read"])).toMatchObject({
    status: 1,
    stdout: "",
    stderr: expect.stringContaining(`spark: A live key is already named "${name}".`),
  });
  const revoked = apiKeyCli(["revoke", name]);
  expect(revoked.status).toBe(0);
  expect(revoked.stdout).toContain(`Revoked the API key "${name}"`);
  expect((await post()).status()).toBe(401);
  await machine.dispose();
});
