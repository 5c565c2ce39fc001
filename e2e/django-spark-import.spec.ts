import { createAppPostgres, type AppPostgres } from "@/testing/connections";
import { adminState } from "./server";
import { createOperator, expect, logIn, test } from "./fixtures";

const pgUrl = process.env.TEST_DATABASE_URL;

test.describe("Settings → Import from django-spark", () => {
  test.skip(!pgUrl, "needs TEST_DATABASE_URL");
  let app: AppPostgres;
  test.beforeAll(async () => {
    app = await createAppPostgres(
      pgUrl!,
      `create table spark_event (key varchar(100) primary key, "group" varchar(50) not null, created_at timestamptz not null, context text not null default '');
       insert into spark_event (key, "group", created_at) select 'e2e_signup_' || g, 'e2e_signup', now() - interval '1 day' from generate_series(1, 2500) g;
       insert into spark_event (key, "group", created_at) values (E'e2e_signup_x\\u0007', 'e2e_signup', now());
       create table spark_mails_mail (id serial primary key, event_group varchar(50) not null unique, template_source text not null);
       insert into spark_mails_mail (event_group, template_source) values ('e2e_signup', E'Welcome\\n\\nHello.\\n'), ('e2e_other', E'Hi\\n\\n{% include ''/etc/passwd'' %}\\n');`,
    );
  });
  test.afterAll(async () => {
    await app?.drop();
  });

  test("an admin counts, then imports django-spark's keys through a connection, and a second import finds them present", async ({
    browser,
  }) => {
    const context = await browser.newContext({ storageState: adminState });
    const page = await context.newPage();
    const name = `django-${Date.now().toString(36)}`;
    await page.goto("/settings/connections");
    const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Save connection" }) });
    await form.getByLabel("Name", { exact: true }).fill(name);
    await form.getByLabel("Host", { exact: true }).fill(app.target.host);
    await form.getByLabel("Port", { exact: true }).fill(String(app.target.port));
    await form.getByLabel("Database name").fill(app.target.database);
    await form.getByLabel("User", { exact: true }).fill(app.target.username);
    await form.getByLabel("Password", { exact: true }).fill(app.target.password);
    await form.getByRole("button", { name: "Save connection" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Saved the connection “${name}”` })).toBeVisible();

    await page.getByRole("link", { name: "Import from django-spark" }).click();
    await page
      .getByLabel("django-spark's database")
      .selectOption({ label: `${name} (PostgreSQL, ${app.target.database} on ${app.target.host})` });
    await expect(page.getByRole("button", { name: "Import", exact: true })).toHaveCount(0);
    await page.getByRole("button", { name: "Count (dry run)" }).click();
    const report = page.getByRole("region", { name: "Import report" });
    await expect(report).toContainText("Dry run, nothing written: 2,501 keys read: 2,500 would be translated");
    await expect(report).toContainText('skipped "e2e_signup_x\\u0007"');
    await expect(report).toContainText("template for e2e_signup: would be imported");

    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect(report).toContainText(
      "2,501 keys read: 2,500 translated, 0 kept as they were, 0 already present, 1 skipped",
    );
    await expect(report).toContainText('template for e2e_signup: imported, inactive, as "django-spark e2e_signup"');
    await expect(report).toContainText("template for e2e_other: refused: Line 3:");

    await page.goto("/events?origin=source:import:django-spark&group=e2e_signup");
    await expect(page.getByText("Imported from django-spark").first()).toBeVisible();

    await page.goto("/settings/import");
    await page
      .getByLabel("django-spark's database")
      .selectOption({ label: `${name} (PostgreSQL, ${app.target.database} on ${app.target.host})` });
    await page.getByRole("button", { name: "Count (dry run)" }).click();
    await expect(report).toContainText("0 would be translated, 0 would be kept as they were, 2,500 already present");
    await context.close();
  });

  test("is refused to an operator who is not an admin, and not offered in their settings", async ({ browser }) => {
    const adminContext = await browser.newContext({ storageState: adminState });
    const email = `import-op-${Date.now()}@example.com`;
    const password = "import operator 1234";
    await createOperator(await adminContext.newPage(), email, password);
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, email, password);
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    await page.goto("/settings/import");
    await expect(page).toHaveURL(/\/settings\/account$/);
    await expect(page.getByRole("link", { name: "Import from django-spark" })).toHaveCount(0);
    await context.close();
    await adminContext.close();
  });

  test("an admin stops a long import from the page, and the report says it stopped", async ({ browser }) => {
    const big = await createAppPostgres(
      pgUrl!,
      `create table spark_event (key varchar(100) primary key, "group" varchar(50) not null, created_at timestamptz not null);
       insert into spark_event select 'e2e_big_' || g, 'e2e_big', now() - interval '1 day' from generate_series(1, 1000000) g;`,
    );
    const context = await browser.newContext({ storageState: adminState });
    try {
      const page = await context.newPage();
      const name = `django-big-${Date.now().toString(36)}`;
      await page.goto("/settings/connections");
      const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Save connection" }) });
      await form.getByLabel("Name", { exact: true }).fill(name);
      await form.getByLabel("Host", { exact: true }).fill(big.target.host);
      await form.getByLabel("Port", { exact: true }).fill(String(big.target.port));
      await form.getByLabel("Database name").fill(big.target.database);
      await form.getByLabel("User", { exact: true }).fill(big.target.username);
      await form.getByLabel("Password", { exact: true }).fill(big.target.password);
      await form.getByRole("button", { name: "Save connection" }).click();
      await expect(page.getByRole("status").filter({ hasText: `Saved the connection “${name}”` })).toBeVisible();

      await page.goto("/settings/import");
      await page
        .getByLabel("django-spark's database")
        .selectOption({ label: `${name} (PostgreSQL, ${big.target.database} on ${big.target.host})` });
      await page.getByRole("button", { name: "Count (dry run)" }).click();
      // The page shows how far the count got while it runs, then stops it.
      await expect(page.getByRole("status").filter({ hasText: "keys read" })).toBeVisible();
      await page.getByRole("button", { name: "Stop" }).click();
      const report = page.getByRole("region", { name: "Import report" });
      await expect(report).toContainText("Stopped before the end: run the same import again to go on.");
      await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0);
    } finally {
      await context.close();
      await big.drop();
    }
  });
});
