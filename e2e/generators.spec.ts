import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("create a generator, see a wrong-typed value refused next to its row, preview it, run the job and see its events", async ({
  page,
}) => {
  const name = `big donors ${Date.now()}`;
  const group = `e2e_big_donors_${Date.now()}`;
  await page.goto("/generators");
  await expect(page.getByRole("link", { name: "challenge_created" })).toBeVisible();
  await page.getByRole("link", { name: "New generator" }).click();

  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Event group").fill(group);
  await page.getByLabel("Source").selectOption({ label: "Challenges (demo)" });
  await expect(page.getByText("How many donations the challenge has received.")).toBeVisible();
  await page.getByRole("button", { name: "Add a condition on donation_count" }).click();
  await page.getByLabel("Condition 1 operator").selectOption(">=");
  await page.getByLabel("Condition 1 value").fill("two");
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("group", { name: "Condition 1" })).toContainText("'two' is not a number.");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(name);

  await page.getByLabel("Condition 1 value").fill("1");
  await page.getByRole("button", { name: "Preview" }).click();
  const passed = page.getByTestId("preview-passed");
  await expect(passed).not.toHaveText("0");
  const wouldPass = Number((await passed.textContent())!.replace(/,/g, ""));
  await expect(page.getByText("donation_count >= 1")).toBeVisible();
  await expect(page.getByText("new", { exact: true }).first()).toBeVisible();

  // The refused save kept the switch as the operator set it.
  await expect(page.getByRole("checkbox", { name: "Active: job passes run this generator" })).toBeChecked();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Saved “${name}”` })).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("donation_count >= 1");
  await expect(row).toContainText("not run yet");

  await page.getByRole("link", { name: "Dashboard" }).click();
  await page.getByRole("button", { name: "Run now" }).click();
  const progress = page.getByTestId("run-progress");
  await expect(progress).toContainText(/Run #\d+/);
  await expect(progress.getByText(/^(ok|error)$/)).toBeVisible({ timeout: 20_000 });

  await progress.getByRole("link", { name: /Run #\d+/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Job run #\d+/ })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText(String(wouldPass));

  await page.goto("/generators");
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText(`${wouldPass} new`);

  await page.getByRole("link", { name: "Events" }).click();
  await page.getByLabel("Group").fill(group);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`group=${group}`));
  const rows = page.getByRole("row").filter({ hasText: `${group}:` });
  await expect(rows).toHaveCount(wouldPass);
  await rows
    .first()
    .getByRole("link", { name: new RegExp(`^${group}:`) })
    .click();
  await expect(page.getByRole("heading", { level: 2, name: "Context" })).toBeVisible();
  await expect(page.getByText("donation_count:")).toBeVisible();
  await expect(page.getByRole("link", { name })).toBeVisible();
});

test("the event log names a filter it ignores instead of failing", async ({ page }) => {
  await page.goto("/events?from=not-a-date&before=abc&group=challenge_created");
  await expect(page.getByRole("status").filter({ hasText: "Ignored" })).toContainText("'not-a-date' is not a date");
  await expect(page.getByRole("status").filter({ hasText: "Ignored" })).toContainText("The page link was damaged");
  await expect(page.getByLabel("Group")).toHaveValue("challenge_created");
});

test("a generator can be paused from the list and deleted after confirming", async ({ page }) => {
  const name = `pause me ${Date.now()}`;
  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Event group").fill("e2e_pause");
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  const toggle = page.getByRole("switch", { name: `Active: ${name}` });
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "false");

  await page.getByRole("link", { name }).click();
  await page.getByRole("button", { name: "Delete generator…" }).click();
  await page.getByRole("button", { name: `Delete “${name}”` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Deleted “${name}”` })).toBeVisible();
  await expect(page.getByRole("link", { name })).toHaveCount(0);
});

test("a SQL source is tested, saved, offered to generators, and cannot be deleted while in use", async ({ page }) => {
  const source = `e2e-nums-${Date.now()}`;
  await page.goto("/generators/sources");
  await expect(page.getByRole("heading", { name: "Challenges (demo)" })).toBeVisible();
  await page.getByRole("link", { name: "New SQL source" }).click();
  await page.getByLabel("Name", { exact: true }).fill(source);
  await page.getByLabel("Query").fill("delete from demo.challenges");
  await page.getByRole("button", { name: "Test query" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "must be a SELECT" })).toBeVisible();

  await page.getByLabel("Query").fill("select g as id, g * 10 as score from generate_series(1, 30) g");
  await page.getByRole("button", { name: "Test query" }).click();
  const result = page.getByRole("region", { name: "Test result" });
  await expect(result).toContainText("The query works: 2 columns, first 20 rows shown.");
  await expect(result.getByRole("cell", { name: "200", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Create source" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Saved the SQL source “${source}”` })).toBeVisible();

  const generator = `uses ${source}`;
  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(generator);
  await page.getByLabel("Event group").fill("e2e_sql");
  await page.getByLabel("Source").selectOption({ label: source });
  await page.getByRole("button", { name: "Add a condition on score" }).click();
  await page.getByLabel("Condition 1 operator").selectOption(">");
  await page.getByLabel("Condition 1 value").fill("250");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("preview-passed")).toHaveText("5");
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("row").filter({ hasText: generator })).toContainText(source);

  await page.goto("/generators/sources");
  await page.getByRole("link", { name: source }).click();
  await page.getByRole("button", { name: "Delete source…" }).click();
  await page.getByRole("button", { name: `Delete “${source}”` }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Generators use" })).toContainText(
    `Generators use this source: “${generator}”`,
  );
});
