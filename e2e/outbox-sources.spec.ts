import { createAppPostgres, type AppPostgres } from "@/testing/connections";
import { adminState, cronSecret } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState, viewport: { width: 1366, height: 900 } });

const pgUrl = process.env.TEST_DATABASE_URL;

const OUTBOX = `create table spark_outbox (
  id bigint generated always as identity primary key,
  event_group text not null,
  event_key text not null,
  context jsonb not null default '{}',
  created_at timestamptz not null default now()
)`;

test.describe("outbox sources", () => {
  test.skip(!pgUrl, "needs TEST_DATABASE_URL");
  let app: AppPostgres;
  const suffix = Date.now().toString(36);
  const keyOk = `order:${suffix}:placed`;
  test.beforeAll(async () => {
    app = await createAppPostgres(
      pgUrl!,
      `${OUTBOX}; insert into spark_outbox (event_group, event_key, context) values
        ('order.placed', '${keyOk}', '{"email": "ada@example.com"}'),
        ('has space', 'order:${suffix}:bad', '{}')`,
    );
  });
  test.afterAll(async () => {
    await app?.drop();
  });

  test("are checked, saved paused, switched on, read by a pass with their errors shown, guarded against stale edits and deleted", async ({
    page,
    browser,
    request,
  }) => {
    test.setTimeout(90_000);
    const connection = `outbox-app-${suffix}`;
    await page.goto("/settings/connections");
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Save connection" }) });
    await form.getByLabel("Name", { exact: true }).fill(connection);
    await form.getByLabel("Host", { exact: true }).fill(app.target.host);
    await form.getByLabel("Port", { exact: true }).fill(String(app.target.port));
    await form.getByLabel("Database name").fill(app.target.database);
    await form.getByLabel("User", { exact: true }).fill(app.target.username);
    await form.getByLabel("Password", { exact: true }).fill(app.target.password);
    await form.getByRole("button", { name: "Save connection" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Saved the connection “${connection}”` })).toBeVisible();

    await page.goto("/generators/sources");
    await expect(page.getByText("No outbox tables yet.")).toBeVisible();
    await expect(page.getByText("README.md#outbox-tables")).toBeVisible();
    await page.getByRole("link", { name: "New outbox source" }).click();

    const name = `orders-${suffix}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Connection").selectOption({ label: `${connection} (PostgreSQL)` });
    const table = page.getByLabel("Table", { exact: true });
    await table.fill("spark_outbox; drop table x");
    await page.getByRole("button", { name: "Check table" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "letters, digits and _" })).toBeVisible();
    await table.fill("Spark_Outbox");
    await page.getByRole("button", { name: "Check table" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "did you mean public.spark_outbox?" })).toBeVisible();
    await table.fill("spark_outbox");
    await page.getByRole("button", { name: "Check table" }).click();
    const result = page.getByRole("region", { name: "Check result" });
    await expect(result).toContainText("2 rows in all");
    await expect(result.getByRole("row").filter({ hasText: keyOk })).toContainText("ada@example.com");
    await expect(result.getByRole("row").filter({ hasText: "has space" })).toContainText(
      "Skipped by a pass: group must be",
    );
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(sideways).toBeLessThanOrEqual(1366);

    await table.fill("no_such_table");
    await page.getByRole("button", { name: "Create outbox source" }).click();
    await expect(page.getByText("There is no table no_such_table")).toBeVisible();
    await expect(table).toHaveAttribute("aria-invalid", "true");
    await table.fill("spark_outbox");
    await page.getByRole("button", { name: "Create outbox source" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Saved the outbox source “${name}”` })).toBeVisible();
    const row = page.getByRole("row").filter({ hasText: name });
    await expect(row.getByRole("switch", { name: `Active: ${name}` })).toHaveAttribute("aria-checked", "false");
    await row.getByRole("switch", { name: `Active: ${name}` }).click();
    await expect(row.getByRole("switch", { name: `Active: ${name}` })).toHaveAttribute("aria-checked", "true");

    const run = await request.post("/api/jobs/run", { headers: { authorization: `Bearer ${cronSecret}` } });
    expect(run.status()).toBe(200);
    const summary = (await run.json()) as { errors: { where: string; message: string }[] };
    expect(summary.errors).toContainEqual({
      where: `outbox source ${name}`,
      message: expect.stringMatching(/^Row id 2 skipped: group must be/),
    });
    await page.goto("/generators/sources");
    await expect(row).toContainText("Read up to id2");
    await expect(row).toContainText("Skipped 1 row in the last pass");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    await page.goto(`/events?key=${encodeURIComponent(keyOk)}`);
    await expect(page.getByRole("row").filter({ hasText: keyOk })).toBeVisible();

    // Two operators on the same source: the second save is refused, naming who changed it.
    await page.goto("/generators/sources");
    await row.getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { name })).toBeVisible();
    const other = await browser.newPage({ storageState: adminState });
    await other.goto(page.url());
    await other.getByLabel("Description").fill("Orders from the shop");
    await other.getByRole("button", { name: "Save changes" }).click();
    await expect(other.getByRole("status").filter({ hasText: `Saved the outbox source “${name}”` })).toBeVisible();
    await other.close();
    await page.getByLabel("Description").fill("Mine");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "since you opened it" })).toBeVisible();
    await expect(page.getByLabel("Description")).toHaveValue("Mine");

    await page.reload();
    await page.getByRole("button", { name: "Delete source…" }).click();
    await expect(page.getByText("Events already recorded from it stay in the log.")).toBeVisible();
    await page.getByRole("button", { name: `Delete “${name}”` }).click();
    await expect(page.getByRole("status").filter({ hasText: `Deleted the outbox source “${name}”` })).toBeVisible();
    await page.goto(`/events?key=${encodeURIComponent(keyOk)}`);
    await expect(page.getByRole("row").filter({ hasText: keyOk })).toBeVisible();
  });
});
