import { admin, adminState } from "./server";
import { createOperator, expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("two pages on one template: the second save is refused, says who changed what, keeps its text, and can then replace theirs", async ({
  page,
  browser,
}) => {
  const stamp = Date.now();
  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`Stale ${stamp}`);
  await page.getByLabel("Event group").fill(`e2e_stale_${stamp}`);
  await page.getByLabel("To", { exact: true }).fill("ada@example.com");
  await page.getByLabel("Subject").fill("Original subject");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();
  const url = page.url();

  const other = await (await browser.newContext({ storageState: adminState })).newPage();
  await other.goto(url);
  await expect(other.getByLabel("Subject")).toHaveText("Original subject");

  await page.getByLabel("Subject").fill("Subject from the first tab");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 2." })).toBeVisible();

  await other.getByLabel("HTML body").fill("<p>Body from the second tab</p>");
  await other.getByRole("button", { name: "Save changes" }).click();
  const refusal = other.getByRole("alert").filter({ hasText: "since you opened it" });
  await expect(refusal).toContainText(`Changed by ${admin.email}`);
  await expect(refusal).toContainText(/\(at \d{4}-\d\d-\d\d \d\d:\d\d UTC\) since you opened it: subject\./);
  // Nothing typed is lost.
  await expect(other.getByLabel("HTML body")).toHaveText("<p>Body from the second tab</p>");

  await other.getByRole("button", { name: "Save changes" }).click();
  await expect(other.getByRole("status").filter({ hasText: "Saved as version 3." })).toBeVisible();
  await expect(other.getByLabel("HTML body")).toHaveText("<p>Body from the second tab</p>");
  await other.context().close();
});

test("a refused generator save keeps every condition's variable, operator and value as submitted", async ({ page }) => {
  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(`refill ${Date.now()}`);
  await page.getByLabel("Event group").fill("e2e_refill");
  await page.getByLabel("Source").selectOption({ label: "Challenges (demo)" });
  await page.getByRole("button", { name: "Add a condition on donation_count" }).click();
  await page.getByLabel("Condition 1 operator").selectOption(">=");
  await page.getByLabel("Condition 1 value").fill("two");
  await page.getByRole("button", { name: "Add a condition on days_until_end" }).click();
  await page.getByLabel("Condition 2 operator").selectOption("<=");
  await page.getByLabel("Condition 2 value").fill("2");
  await page.getByRole("button", { name: "Create generator" }).click();

  await expect(page.getByRole("group", { name: "Condition 1" })).toContainText("'two' is not a number.");
  await expect(page.getByLabel("Source")).toHaveValue("code:challenges");
  await expect(page.getByLabel("Condition 1 variable")).toHaveValue("donation_count");
  await expect(page.getByLabel("Condition 1 operator")).toHaveValue(">=");
  await expect(page.getByLabel("Condition 1 value")).toHaveValue("two");
  await expect(page.getByLabel("Condition 2 variable")).toHaveValue("days_until_end");
  await expect(page.getByLabel("Condition 2 operator")).toHaveValue("<=");
  await expect(page.getByLabel("Condition 2 value")).toHaveValue("2");

  // The message belongs to the value 'two': once it is edited the message goes.
  await page.getByLabel("Condition 1 value").fill("2");
  await expect(page.getByRole("group", { name: "Condition 1" })).not.toContainText("is not a number");
});

test("a new generator starts paused, and turned on, the form says when a pass will run it", async ({ page }) => {
  await page.goto("/generators/new");
  const active = page.getByRole("checkbox", { name: "Active: job passes run this generator" });
  await expect(active).not.toBeChecked();
  await expect(page.getByText("Paused: passes skip it until you turn it on")).toBeVisible();
  await active.check();
  // The e2e server runs with SPARK_SCHEDULE_SECONDS=0.
  await expect(page.getByText("The scheduler is off (SPARK_SCHEDULE_SECONDS=0)")).toBeVisible();
});

test("a Liquid error from a save goes once its field is edited", async ({ page }) => {
  const stamp = Date.now();
  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`Errors ${stamp}`);
  await page.getByLabel("Event group").fill(`e2e_errors_${stamp}`);
  await page.getByLabel("To", { exact: true }).fill("ada@example.com");
  await page.getByLabel("Subject").fill("Hello {{ title");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByText("Fix the fields marked below; the template was not saved.")).toBeVisible();
  const help = page.locator("#subject-help");
  await expect(help).toContainText("(line 1, column");

  // Still invalid, but a different value: the old message is not this value's.
  await page.getByLabel("Subject").fill("Hello there");
  await expect(help).not.toContainText("(line 1, column");
  await expect(page.getByText("Fix the fields marked below; the template was not saved.")).toHaveCount(0);
});

test("a refused connection save keeps the database kind and TLS, and the error goes once its field is edited", async ({
  page,
}) => {
  await page.goto("/settings/connections");
  const form = page.locator("form", { has: page.getByRole("button", { name: "Save connection" }) });
  await form.getByLabel("Name", { exact: true }).fill(`refill-${Date.now()}`);
  await form.getByLabel("Database", { exact: true }).selectOption("mysql");
  await form.getByLabel("Host").fill("not a host!");
  await form.getByLabel("Require TLS").check();
  await form.getByRole("button", { name: "Save connection" }).click();
  const hostError = form.getByText("A host name or address");
  await expect(hostError).toBeVisible();
  await expect(form.getByLabel("Database", { exact: true })).toHaveValue("mysql");
  await expect(form.getByLabel("Require TLS")).toBeChecked();
  await expect(form.getByLabel("Host")).toHaveValue("not a host!");

  await form.getByLabel("Host").fill("db.internal");
  await expect(hostError).toHaveCount(0);
});

test("two admins on Settings → Operators: a change to an operator changed since the page loaded is refused", async ({
  page,
  browser,
}) => {
  const email = `stale-${Date.now()}@example.com`;
  await createOperator(page, email, "a long enough password");
  const other = await (await browser.newContext({ storageState: adminState })).newPage();
  await other.goto("/settings/operators");

  await page.getByRole("button", { name: `Make admin ${email}` }).click();
  await expect(page.getByText("Now an admin.")).toBeVisible();

  await other.getByRole("button", { name: `Disable ${email}` }).click();
  // Who and when: operators record when they were last changed.
  await expect(
    other.getByText(
      new RegExp(
        `Changed by ${admin.email.replace(/[.]/g, "\\.")} .+ \\(at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\) since you opened it\\.`,
      ),
    ),
  ).toBeVisible();
  await other.reload();
  const row = other.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("admin");
  await expect(row).toContainText("active");
  await other.context().close();
});

test.describe("signing in", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("a field error on the login form goes once that field is edited", async ({ page }) => {
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in" }).click();
    const emailField = page.getByLabel("Email");
    await expect(emailField).toHaveAttribute("aria-invalid", "true");
    await emailField.fill("ada@example.com");
    await expect(emailField).not.toHaveAttribute("aria-invalid", "true");
  });
});
