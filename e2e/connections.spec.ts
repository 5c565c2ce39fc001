import { createAppPostgres, type AppPostgres } from "@/testing/connections";
import { adminState, cronSecret } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

const pgUrl = process.env.TEST_DATABASE_URL;

test("a slow query on the sample connection is stopped, and the server answers meanwhile", async ({
  page,
  request,
}) => {
  await page.goto("/generators/sources/new");
  await page.getByLabel("Connection").selectOption({ label: "sample (sample data)" });
  await page.getByLabel("Query").fill('select 1 as id, "pg_sleep"(60) as s');
  await page.getByRole("button", { name: "Test query" }).click();
  await expect(page.getByRole("button", { name: "Running…" })).toBeVisible();
  // The query is still running: the server answers other requests all the same.
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  await expect(page.getByRole("button", { name: "Running…" })).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: "ran longer than" })).toBeVisible({ timeout: 30_000 });

  await page.getByLabel("Query").fill("select id, email, password_hash from users");
  await page.getByRole("button", { name: "Test query" }).click();
  await expect(page.getByRole("alert").filter({ hasText: 'relation "users" does not exist' })).toBeVisible();
  await expect(page.getByText("scrypt$")).toHaveCount(0);
});

test.describe("a PostgreSQL connection", () => {
  test.skip(!pgUrl, "needs TEST_DATABASE_URL");
  let app: AppPostgres;
  test.beforeAll(async () => {
    app = await createAppPostgres(
      pgUrl!,
      "create table invoices (id int primary key, customer text not null, overdue_days int not null); insert into invoices select g, 'customer ' || g, g from generate_series(1, 30) g",
    );
  });
  test.afterAll(async () => {
    await app?.drop();
  });

  test("is refused for a superuser, saved for a read-only user, then a source on it is tested, previewed and run", async ({
    page,
    request,
  }) => {
    const name = `app-${Date.now().toString(36)}`;
    const admin = new URL(pgUrl!);
    await page.goto("/settings/connections");
    await expect(page.getByRole("row").filter({ hasText: "Sample (embedded)" })).toContainText("built in");
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Save connection" }) });
    await form.getByLabel("Name", { exact: true }).fill(name);
    await form.getByLabel("Host", { exact: true }).fill(app.target.host);
    await form.getByLabel("Port", { exact: true }).fill(String(app.target.port));
    await form.getByLabel("Database name").fill(app.target.database);
    await form.getByLabel("User", { exact: true }).fill(decodeURIComponent(admin.username));
    await form.getByRole("button", { name: "Save connection" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "is a superuser" })).toBeVisible();

    await form.getByLabel("User", { exact: true }).fill(app.target.username);
    await form.getByLabel("Password", { exact: true }).fill(app.target.password);
    await form.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Connected: the user can read" })).toBeVisible();
    await form.getByLabel("Password", { exact: true }).fill(app.target.password);
    await form.getByRole("button", { name: "Save connection" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Saved the connection “${name}”` })).toBeVisible();
    await expect(page.getByText(app.target.password)).toHaveCount(0);

    const source = `overdue-${Date.now().toString(36)}`;
    await page.goto("/generators/sources/new");
    await page.getByLabel("Name", { exact: true }).fill(source);
    await page.getByLabel("Connection").selectOption({ label: `${name} (PostgreSQL)` });
    await page.getByLabel("Query").fill("select id, customer, overdue_days from invoices; select 1");
    await page.getByRole("button", { name: "Test query" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "single statement" })).toBeVisible();
    await page.getByLabel("Query").fill("select id, customer, overdue_days from invoices");
    await page.getByRole("button", { name: "Test query" }).click();
    await expect(page.getByRole("region", { name: "Test result" })).toContainText(
      "The query works: 3 columns, first 20 rows shown.",
    );
    await page.getByRole("button", { name: "Create source" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Saved the SQL source “${source}”` })).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: source })).toContainText(name);

    const group = `e2e_overdue_${Date.now().toString(36)}`;
    await page.goto("/generators/new");
    await page.getByLabel("Name", { exact: true }).fill(`overdue ${group}`);
    await page.getByLabel("Event group").fill(group);
    await page.getByLabel("Source").selectOption({ label: source });
    await page.getByRole("button", { name: "Add a condition on overdue_days" }).click();
    await page.getByLabel("Condition 1 operator").selectOption(">");
    await page.getByLabel("Condition 1 value").fill("25");
    await page.getByRole("button", { name: "Preview" }).click();
    await expect(page.getByTestId("preview-passed")).toHaveText("5");
    await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
    await page.getByRole("button", { name: "Create generator" }).click();

    const run = await request.post("/api/jobs/run", { headers: { authorization: `Bearer ${cronSecret}` } });
    expect(run.status()).toBe(200);
    await page.goto(`/events?group=${group}`);
    await expect(page.getByRole("link", { name: `${group}:30`, exact: true })).toBeVisible();
  });
});
