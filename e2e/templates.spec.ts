import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("edit a template, watch the preview follow, send a test, find it in the Inbox, and restore the old version", async ({
  page,
}) => {
  const stamp = Date.now();
  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(`E2E ${stamp}`);
  await page.getByLabel("Event group").fill(`e2e_mail_${stamp}`);
  await page.getByLabel("To", { exact: true }).fill("{{ owner_name }} <{{ owner_email }}>");
  await page.getByLabel("Subject").fill("Hello {{ owner_name }}");
  await page.getByLabel("HTML body").fill("<p>Dear {{ owner_name }}, about {{ title }}</p>");

  const preview = page.getByRole("region", { name: "Preview" });
  await preview.getByRole("radio", { name: "JSON I edit" }).check();
  await page
    .getByLabel("Preview context (JSON)")
    .fill(JSON.stringify({ owner_name: "O'Brien & <Co>", owner_email: "ob@example.com", title: "Juggling" }));
  await expect(page.getByTestId("preview-subject")).toHaveText("Hello O'Brien & <Co>");
  await expect(page.getByTestId("preview-to")).toHaveText(`"O'Brien & <Co>" <ob@example.com>`);
  await expect(page.frameLocator("iframe[title='HTML body preview']").locator("p")).toHaveText(
    "Dear O'Brien & <Co>, about Juggling",
  );

  await page.getByLabel("Subject").fill("Hello {{ owner_name }} — {{ missing }}");
  await expect(page.getByText("`missing` is not defined (line 1, column 29)")).toBeVisible();
  await page.getByLabel("Subject").fill("Hi {{ owner_name }}, {{ title }} awaits");
  await expect(page.getByTestId("preview-subject")).toHaveText("Hi O'Brien & <Co>, Juggling awaits");

  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  await page.getByLabel("Subject").fill("Second {{ title");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Fix the fields marked below; the template was not saved.")).toBeVisible();
  await expect(page.getByText(/\(line 1, column 8\)$/)).toBeVisible();
  await page.getByLabel("Subject").fill("Second take on {{ title }}");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 2." })).toBeVisible();

  const address = `tester-${stamp}@example.com`;
  await page.getByRole("region", { name: "Preview" }).getByRole("radio", { name: "JSON I edit" }).check();
  await page
    .getByLabel("Preview context (JSON)")
    .fill(JSON.stringify({ owner_name: "Ada", owner_email: "ada@example.com", title: "Chess" }));
  await expect(page.getByTestId("preview-subject")).toHaveText("Second take on Chess");
  await page.getByLabel("Test address").fill(address);
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText(`Sent to ${address}: it is in the Inbox`)).toBeVisible();

  await page.getByRole("link", { name: "Inbox" }).click();
  const row = page.getByRole("row").filter({ hasText: address });
  await expect(row).toContainText("[Test] Second take on Chess");
  await row.getByRole("link").click();
  await expect(page.frameLocator("iframe").locator("p")).toHaveText("Dear Ada, about Chess");
  await page.getByRole("tab", { name: "Text" }).click();
  await expect(page.getByText("Dear Ada, about Chess")).toBeVisible();

  await page.goto("/templates");
  await page.getByRole("link", { name: `E2E ${stamp}` }).click();
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByRole("heading", { name: "Version 1 → current (version 2)" })).toBeVisible();
  await expect(page.getByText("removed: Hi {{ owner_name }}, {{ title }} awaits")).toBeAttached();
  await page.getByRole("button", { name: "Restore version 1" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Restored version 1; it is now version 3." })).toBeVisible();
  await expect(page.getByLabel("Subject")).toHaveText("Hi {{ owner_name }}, {{ title }} awaits");
});

test("a django-spark template is imported, split into subject and body, and saved inactive", async ({ page }) => {
  const stamp = Date.now();
  await page.goto("/templates");
  await page.getByRole("link", { name: "Import django-spark template" }).first().click();
  await page.getByLabel("Name", { exact: true }).fill(`Imported ${stamp}`);
  await page.getByLabel("Event group").fill("challenge_ends_2d");
  await page
    .getByLabel("django-spark template source")
    .fill("{% load i18n %}\n\n{{ title }} ends soon   \n\n\nHello {{ owner_name }},\n\nhurry!\n\n");
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByText("Imported from django-spark as an inactive template")).toBeVisible();
  // Both fields render the whole source, then keep their part of the rendered mail.
  await expect(page.getByLabel("Subject")).toContainText("{{ title }} ends soon");
  await expect(page.getByLabel("Subject")).toContainText("spark_mails_subject");
  await expect(page.getByLabel("Text body")).toContainText("Hello {{ owner_name }},");
  await expect(page.getByLabel("Text body")).toContainText("spark_mails_body");
  await expect(page.getByRole("checkbox", { name: /Active/ })).not.toBeChecked();
});

test("a django-spark template that would read differently in Liquid is refused with its line, nothing saved", async ({
  page,
}) => {
  const stamp = Date.now();
  await page.goto("/templates/import");
  await page.getByLabel("Name", { exact: true }).fill(`Refused ${stamp}`);
  await page.getByLabel("Event group").fill("challenge_ends_2d");
  await page.getByLabel("django-spark template source").fill("{{ title }} ends soon\n\n{% trans 'Hurry' %}\n");
  await page.getByRole("button", { name: "Import" }).click();
  await expect(
    page.getByText(/Line 3: \{% trans 'Hurry' %\} — \{% trans %\}: translations have no Liquid equivalent/),
  ).toBeVisible();
  await expect(page.getByLabel("django-spark template source")).toHaveValue(
    "{{ title }} ends soon\n\n{% trans 'Hurry' %}\n",
  );
  await page.goto("/templates");
  await expect(page.getByText(`Refused ${stamp}`)).toHaveCount(0);
});
