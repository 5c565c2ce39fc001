import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("filter the events by group, open one, follow it to its dead delivery, fix the template, retry, and see it sent", async ({
  page,
}) => {
  const stamp = Date.now();
  const group = `e2e_logs_${stamp}`;

  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(`logs ${stamp}`);
  await page.getByLabel("Event group").fill(group);
  await page.getByLabel("Source").selectOption({ label: "Challenges (demo)" });
  await page.getByRole("button", { name: "Add a condition on title" }).click();
  await page.getByLabel("Condition 1 operator").selectOption("contains");
  await page.getByLabel("Condition 1 value").fill("Marathon");
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();

  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`logs ${stamp}`);
  await page.getByLabel("Event group").fill(group);
  // Every variable exists, so the template saves; but the title is no address, so it fails once an event comes.
  await page.getByLabel("To", { exact: true }).fill("{{ title }}");
  await page.getByLabel("Subject").fill("About {{ title }}");
  await page.getByLabel("HTML body").fill("<p>{{ title }}</p>");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();
  const templateUrl = page.url();

  await page.goto("/");
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("run-progress").getByText(/^(ok|error)$/)).toBeVisible({ timeout: 20_000 });

  await page.goto("/events");
  await page.getByLabel("Group").fill(group);
  await page.getByRole("button", { name: "Filter" }).click();
  const row = page.getByRole("row").filter({ hasText: `${group}:` });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("1 dead");
  await row.getByRole("link", { name: new RegExp(`^${group}:`) }).click();

  const deliveriesCard = page.locator("section", { has: page.getByRole("heading", { name: "Deliveries (1)" }) });
  await expect(deliveriesCard.getByText("To: 'Marathon training' is not an email address.")).toBeVisible();
  await deliveriesCard.getByRole("link", { name: /Delivery #\d+/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Delivery #\d+/ })).toBeVisible();
  await page.getByRole("button", { name: "Retry now" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "still does not render" })).toBeVisible();
  const deliveryUrl = page.url();

  await page.goto(templateUrl);
  await page.getByLabel("To", { exact: true }).fill("{{ owner_email }}");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 2." })).toBeVisible();

  await page.goto(deliveryUrl);
  await page.getByRole("button", { name: "Retry now" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "Rendered again with version 2: 1 delivery, 1 sent." }),
  ).toBeVisible();
  await page.reload();
  const retried = page.getByRole("link", { name: /#\d+ \(sent\)/ });
  await expect(retried).toBeVisible();
  await retried.click();
  await expect(page.getByRole("heading", { level: 1, name: "About Marathon training" })).toBeVisible();
  await expect(page.getByText("sent", { exact: true }).first()).toBeVisible();
  await expect(page.getByText(/^250 /)).toBeVisible();

  await page.goto(`/deliveries?status=dead&group=${group}`);
  await expect(page.getByRole("row").filter({ hasText: "none (not rendered)" })).toHaveCount(1);
  await page.goto("/deliveries?status=bogus");
  await expect(page.getByRole("status").filter({ hasText: "Ignored" })).toContainText(
    "'bogus' is not one of queued, sending, sent, failed, dead, skipped.",
  );
});

test("mail that names no recipient is skipped, as django-spark skips events that do not ask for mail: its own badge and filter, never failed, never retried", async ({
  page,
}) => {
  const stamp = Date.now();
  const group = `e2e_skip_${stamp}`;

  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(`skip ${stamp}`);
  await page.getByLabel("Event group").fill(group);
  await page.getByLabel("Source").selectOption({ label: "Challenges (demo)" });
  await page.getByRole("button", { name: "Add a condition on title" }).click();
  await page.getByLabel("Condition 1 operator").selectOption("contains");
  await page.getByLabel("Condition 1 value").fill("Marathon");
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();

  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`skip ${stamp}`);
  await page.getByLabel("Event group").fill(group);
  // Only challenges named "nobody" ask for mail: this one's To renders empty.
  await page.getByLabel("To", { exact: true }).fill('{% if title == "nobody" %}{{ owner_email }}{% endif %}');
  await page.getByLabel("Subject").fill("About {{ title }}");
  await page.getByLabel("HTML body").fill("<p>{{ title }}</p>");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  await page.goto("/");
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("run-progress").getByText(/^(ok|error)$/)).toBeVisible({ timeout: 20_000 });

  await page.goto(`/events?group=${group}`);
  const row = page.getByRole("row").filter({ hasText: `${group}:` });
  await expect(row).toContainText("1 skipped");
  await page.goto(`/events?group=${group}&failing=1`);
  await expect(page.getByRole("row").filter({ hasText: `${group}:` })).toHaveCount(0);

  await page.goto(`/deliveries?status=skipped&group=${group}`);
  const skipped = page.getByRole("row").filter({ hasText: "To: no recipient" });
  await expect(skipped).toHaveCount(1);
  await expect(skipped).toContainText("skipped");
  await page.goto(`/deliveries?status=dead&group=${group}`);
  await expect(page.getByRole("row").filter({ hasText: "To: no recipient" })).toHaveCount(0);

  await page.goto(`/deliveries?status=skipped&group=${group}`);
  await skipped.getByRole("link").first().click();
  await expect(page.getByText("nobody (the event asks for no recipient)")).toBeVisible();
  await expect(page.getByText("To: no recipient; To, Cc and Bcc rendered empty, so no mail is sent.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Retry now" })).toHaveCount(0);
});
