import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("a refused SQL source keeps its connection and drops a field's error once that field is edited", async ({
  page,
}) => {
  await page.goto("/generators/sources/new");
  await page.getByLabel("Name", { exact: true }).fill("Not A Name");
  await page.getByLabel("Connection").selectOption({ label: "sample (sample data)" });
  await page.getByLabel("Query").fill("select id, title from demo.challenges");
  await page.getByRole("button", { name: "Create source" }).click();
  const nameError = page.getByText("Use lowercase letters, digits, _ and - (start with a letter or digit).");
  await expect(nameError).toBeVisible();
  // The save was refused; the chosen connection is still the one that will be posted.
  await expect(page.getByLabel("Connection")).toHaveValue(/.+/);
  await expect(page.getByLabel("Connection").locator("option:checked")).toHaveText("sample (sample data)");
  await page.getByLabel("Name", { exact: true }).fill(`fixed-${Date.now()}`);
  await expect(nameError).toHaveCount(0);
});
