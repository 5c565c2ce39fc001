import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("a layout and a partial, made under Templates, wrap and sign a template's preview; a file name is a field error", async ({
  page,
}) => {
  const stamp = Date.now();
  const partial = `e2e-sign-${stamp}`;
  const layout = `e2e-frame-${stamp}`;

  await page.goto("/templates/partials/new");
  await page.getByLabel("Name", { exact: true }).fill(partial);
  await page.getByLabel("Body", { exact: true }).fill('<p class="sign">Bye {{ owner_name }}</p>');
  await page.getByLabel("Sample context (JSON)").fill(JSON.stringify({ owner_name: "Ada" }));
  await expect(page.frameLocator("iframe[title='Partial preview']").locator("p.sign")).toHaveText("Bye Ada");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  await page.goto("/templates/partials/new?kind=layout");
  await page.getByLabel("Name", { exact: true }).fill(layout);
  await page
    .getByLabel("Body", { exact: true })
    .fill(`<div class="frame">{{ content }}{% include '${partial}' %}</div>`);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`E2E partials ${stamp}`);
  await page.getByLabel("Event group").fill(`e2e_partials_${stamp}`);
  await page.getByLabel("To", { exact: true }).fill("{{ owner_email }}");
  await page.getByLabel("Subject").fill("Hello {{ owner_name }}");
  await page.getByLabel("Layout").selectOption(layout);
  await page.getByLabel("HTML body").fill('<p class="body">Dear {{ owner_name }}</p>');
  const preview = page.getByRole("region", { name: "Preview" });
  await preview.getByRole("radio", { name: "JSON I edit" }).check();
  await page
    .getByLabel("Preview context (JSON)")
    .fill(JSON.stringify({ owner_name: "Grace", owner_email: "grace@example.com" }));
  const frame = page.frameLocator("iframe[title='HTML body preview']");
  await expect(frame.locator("div.frame p.body")).toHaveText("Dear Grace");
  await expect(frame.locator("div.frame p.sign")).toHaveText("Bye Grace");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  await page.getByLabel("HTML body").fill("{% include 'package.json' %}");
  await expect(
    page.getByText("There is no partial named `package.json`; Templates → Partials lists them (line 1, column 1)"),
  ).toBeVisible();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Fix the fields marked below; the template was not saved.")).toBeVisible();
  await expect(
    page.getByText("There is no partial named `package.json`; Templates → Partials lists them (line 1, column 1)"),
  ).toBeVisible();
  await expect(page.getByText('"name": "spark"')).toHaveCount(0);

  await page.goto("/templates/partials");
  await page.getByRole("link", { name: layout }).click();
  await page.getByRole("button", { name: "Delete layout…" }).click();
  await page.getByRole("button", { name: `Delete “${layout}”` }).click();
  await expect(
    page.getByText(`“${layout}” is used by templates E2E partials ${stamp}; change them first.`),
  ).toBeVisible();
});
