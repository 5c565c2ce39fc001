import type { APIRequestContext } from "@playwright/test";
import { adminState } from "./server";
import { listAppRoutes, type AppRoute } from "./routes";
import { createOperator, expect, logIn, test } from "./fixtures";

/** Reachable without a session, each for a reason; everything else must refuse. */
const PUBLIC: Record<string, string> = {
  "/login": "the sign-in page",
  "/setup/not-a-real-token": "redeems a one-time setup or invite link",
  "/api/health": "for load balancers and uptime checks",
  "/api/auth/login": "signs in",
  "/api/jobs/run": "checks the cron secret itself",
  "/api/openapi.json": "describes the machine API, which holds nothing of the operators'",
};

const routes = listAppRoutes();

async function expectRefused(request: APIRequestContext, route: AppRoute, cookie: string | null) {
  for (const method of route.methods) {
    const response = await request.fetch(route.path, {
      method,
      headers: cookie ? { cookie } : {},
      maxRedirects: 0,
      failOnStatusCode: false,
    });
    if (route.kind === "api") {
      expect(response.status(), `${method} ${route.path} (${route.file})`).toBe(401);
      expect(await response.json()).toHaveProperty("error");
    } else {
      expect([303, 307], `${method} ${route.path} (${route.file})`).toContain(response.status());
      expect(new URL(response.headers().location!, "http://x").pathname, `${route.path} redirects to sign in`).toBe(
        "/login",
      );
    }
  }
}

test("the crawl finds the app's pages and route handlers", () => {
  expect(routes.length).toBeGreaterThan(15);
  expect(routes.map((r) => r.path)).toEqual(
    expect.arrayContaining(["/", "/events/1", "/api/jobs/runs/1", "/generators/sources/1"]),
  );
  for (const path of Object.keys(PUBLIC)) expect(routes.map((r) => r.path)).toContain(path);
});

test.describe("every page and route refuses a request", () => {
  const guarded = routes.filter((r) => !(r.path in PUBLIC));

  test("without a session cookie", async ({ playwright, baseURL }) => {
    const request = await playwright.request.newContext({ baseURL });
    for (const route of guarded) await expectRefused(request, route, null);
    await request.dispose();
  });

  test("with a session cookie the server never issued", async ({ playwright, baseURL }) => {
    const request = await playwright.request.newContext({ baseURL });
    for (const route of guarded)
      await expectRefused(request, route, "spark_session=Zm9yZ2VkLXNlc3Npb24tdG9rZW4tdGhhdC1kb2VzLW5vdC1leGlzdA");
    await request.dispose();
  });

  test("with the session of an operator who was disabled since", async ({ browser, playwright, baseURL }) => {
    const adminContext = await browser.newContext({ storageState: adminState });
    const adminPage = await adminContext.newPage();
    const email = `crawl-${Date.now()}@example.com`;
    const password = "crawl password 1234";
    await createOperator(adminPage, email, password);

    const operatorContext = await browser.newContext();
    const operatorPage = await operatorContext.newPage();
    await logIn(operatorPage, email, password);
    await expect(operatorPage.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    const cookie = (await operatorContext.cookies()).find((c) => c.name === "spark_session")!;

    await adminPage.reload();
    await adminPage.getByRole("button", { name: `Disable ${email}` }).click();
    await expect(adminPage.getByText("Disabled; their sessions have ended.")).toBeVisible();

    const request = await playwright.request.newContext({ baseURL });
    for (const route of guarded) await expectRefused(request, route, `spark_session=${cookie.value}`);
    await request.dispose();
    await adminContext.close();
    await operatorContext.close();
  });
});

test("the session cookie is httpOnly and SameSite=Lax", async ({ browser }) => {
  const context = await browser.newContext({ storageState: adminState });
  const page = await context.newPage();
  await page.goto("/");
  const cookie = (await context.cookies()).find((c) => c.name === "spark_session");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect(await page.evaluate(() => document.cookie)).not.toContain("spark_session");
  await context.close();
});

test("a server action replayed from a foreign origin is refused and changes nothing; from Spark's own origin it works", async ({
  browser,
}) => {
  const context = await browser.newContext({ storageState: adminState });
  const page = await context.newPage();
  await page.goto("/generators/new");
  const name = `replayed ${Date.now()}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Event group").fill("bad group");
  const posted = page.waitForRequest((r) => r.method() === "POST" && !!r.headers()["next-action"]);
  await page.getByRole("button", { name: "Create generator" }).click();
  const request = await posted;
  await expect(page.getByText("Use only letters, digits and _ . : - (no spaces).")).toBeVisible();

  // The same action and form, with a group that is valid this time.
  const body = request.postDataBuffer()!.toString("latin1").replace("bad group", "replayed_ok");
  const headers = { ...(await request.allHeaders()) };
  for (const h of ["cookie", "content-length", "host"]) delete headers[h];
  const replay = (origin: string) =>
    context.request.post("/generators/new", {
      headers: { ...headers, origin },
      data: Buffer.from(body, "latin1"),
      maxRedirects: 0,
      failOnStatusCode: false,
    });

  const foreign = await replay("https://evil.example");
  expect(foreign.status()).toBeGreaterThanOrEqual(400);
  await page.goto("/generators");
  await expect(page.getByRole("link", { name })).toHaveCount(0);

  const own = await replay(new URL(page.url()).origin);
  expect(own.status()).toBeLessThan(400);
  await page.goto("/generators");
  await expect(page.getByRole("link", { name })).toHaveCount(1);
  await context.close();
});
