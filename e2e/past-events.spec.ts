import { adminState, cronSecret } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("a template written after its events sends for those past events once, after showing how many", async ({
  page,
  request,
}) => {
  // A pass records the demo's challenge_created events (or finds them recorded already).
  const pass = await request.post("/api/jobs/run", { headers: { authorization: `Bearer ${cronSecret}` } });
  expect(pass.status()).toBe(200);

  const stamp = Date.now();
  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`Late ${stamp}`);
  await page.getByLabel("Event group").fill("challenge_created");
  await page.getByLabel("To", { exact: true }).fill("{{ owner_email }}");
  await page.getByLabel("Subject").fill("Past {{ title }}");
  await page.getByLabel("HTML body").fill("<p>{{ title }}</p>");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  const section = page.locator("section", { has: page.getByRole("heading", { name: "Send for past events" }) });
  await section.getByRole("button", { name: "Count events without this mail" }).click();
  const counted = section.getByRole("status").filter({ hasText: /have no mail from this template|has no mail/ });
  await expect(counted).toBeVisible();
  const n = Number((await counted.textContent())!.match(/^([\d,]+) event/)![1]!.replace(/,/g, ""));
  expect(n).toBeGreaterThan(0);

  await section.getByRole("button", { name: /^Queue mail for / }).click();
  await expect(
    section.getByRole("status").filter({ hasText: `Queued mail for ${n.toLocaleString("en")} event` }),
  ).toBeVisible();

  await section.getByRole("button", { name: "Count events without this mail" }).click();
  await expect(section.getByRole("status").filter({ hasText: "is without this template's mail" })).toBeVisible();
});

test("the generator form warns when no active template answers its group", async ({ page }) => {
  await page.goto("/generators/new");
  const group = `unmailed_${Date.now()}`;
  await page.getByLabel("Event group").fill(group);
  await expect(page.getByText(`No active template answers ${group}: these events will not be mailed.`)).toBeVisible();
  // The demo's template answers challenge_created.
  await page.getByLabel("Event group").fill("challenge_created");
  await expect(page.getByText(/No active template answers/)).toHaveCount(0);
});
