import { test as base, expect, type Page } from "@playwright/test";
import { admin, readServer } from "./server";

/** The server's address is known only after global setup picked a free port. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(readServer().baseURL);
  },
});

export { expect, admin };

export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** On Settings → Operators, as an admin: creates an operator with a password and waits for the confirmation. */
export async function createOperator(adminPage: Page, email: string, password: string) {
  await adminPage.goto("/settings/operators");
  const create = adminPage.locator("form", { has: adminPage.getByRole("button", { name: "Create operator" }) });
  await create.getByLabel("Email").fill(email);
  await create.getByLabel("Password").fill(password);
  await create.getByRole("button", { name: "Create operator" }).click();
  await expect(adminPage.getByText(`${email} can sign in now`)).toBeVisible();
}
