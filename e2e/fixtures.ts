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
