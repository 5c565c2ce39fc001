import { readServer, adminState } from "./server";
import { admin, expect, test } from "./fixtures";

test("the first admin is created through the setup link the server printed", async ({ page }) => {
  const { setupUrl } = readServer();

  await page.goto("/login");
  await expect(page.getByText("Spark has no operators yet.")).toBeVisible();

  await page.goto(setupUrl);
  await expect(page.getByRole("heading", { name: "Create the first admin" })).toBeVisible();
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password", { exact: true }).fill("too short");
  await page.getByLabel("Repeat the password").fill("too short");
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(admin.email);

  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByLabel("Repeat the password").fill(admin.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Generators" })).toBeVisible();
  await page.context().storageState({ path: adminState });

  await page.goto(setupUrl);
  await expect(page.getByRole("heading", { name: "This link has already been used" })).toBeVisible();
});
