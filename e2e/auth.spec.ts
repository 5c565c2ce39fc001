import { adminState } from "./server";
import { admin, createOperator, expect, logIn, test } from "./fixtures";

test.describe("without a session", () => {
  test("a protected page redirects to the login and back after signing in", async ({ page }) => {
    await page.goto("/deliveries");
    await expect(page).toHaveURL(/\/login\?next=%2Fdeliveries$/);
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Deliveries" })).toBeVisible();
  });

  test("a wrong password says only that email or password is incorrect", async ({ page }) => {
    await logIn(page, admin.email, "not the password at all");
    await expect(page.getByRole("alert").filter({ hasText: "incorrect" })).toHaveText(
      "Email or password is incorrect.",
    );
    await expect(page).toHaveURL(/\/login$/);
  });

  test("an API route answers 401 JSON", async ({ request }) => {
    const response = await request.get("/api/session");
    expect(response.status()).toBe(401);
    expect(await response.json()).toEqual({ error: "Sign in first: this endpoint needs a session cookie." });
    const unknown = await request.post("/api/nothing-here", { headers: { cookie: "spark_session=forged" } });
    expect(unknown.status()).toBe(401);
  });

  test("health answers without a session", async ({ request }) => {
    const response = await request.get("/api/health");
    expect(await response.json()).toEqual({ ok: true, db: "pglite" });
  });
});

test.describe("with a session", () => {
  test.use({ storageState: adminState });

  test("the session cookie is httpOnly and SameSite=Lax", async ({ page, context }) => {
    await page.goto("/");
    const cookie = (await context.cookies()).find((c) => c.name === "spark_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false });
  });

  test("an API route answers for the signed-in operator", async ({ page }) => {
    await page.goto("/");
    const response = await page.request.get("/api/session");
    expect(response.status()).toBe(200);
    expect((await response.json()).operator).toEqual({ email: admin.email, role: "admin" });
  });

  test("every section of the shell opens with its own page", async ({ page }) => {
    await page.goto("/");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const [link, heading] of [
      ["Generators", "Generators"],
      ["Templates", "Templates"],
      ["Events", "Events"],
      ["Deliveries", "Deliveries"],
      ["Settings", "Settings"],
      ["Dashboard", "Dashboard"],
    ] as const) {
      await nav.getByRole("link", { name: link }).click();
      await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    }
  });
});

test("logging out ends the session, and its cookie no longer opens a page", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, admin.email, admin.password);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === "spark_session")!;

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);

  await context.addCookies([cookie]);
  await page.goto("/settings/account");
  await expect(page).toHaveURL(/\/login/);
  await context.close();
});

test("a disabled operator's open session stops working at once", async ({ browser }) => {
  const adminContext = await browser.newContext({ storageState: adminState });
  const adminPage = await adminContext.newPage();
  const email = `op-${Date.now()}@example.com`;
  const password = "operator password 123";

  await createOperator(adminPage, email, password);

  const operatorContext = await browser.newContext();
  const operatorPage = await operatorContext.newPage();
  await logIn(operatorPage, email, password);
  await expect(operatorPage.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  await adminPage.reload();
  await adminPage.getByRole("button", { name: `Disable ${email}` }).click();
  await expect(adminPage.getByText("Disabled; their sessions have ended.")).toBeVisible();

  await operatorPage.goto("/events");
  await expect(operatorPage).toHaveURL(/\/login/);
  await logIn(operatorPage, email, password);
  await expect(operatorPage.getByRole("alert").filter({ hasText: "disabled" })).toHaveText(
    "This account is disabled. Ask an admin to enable it.",
  );

  await adminContext.close();
  await operatorContext.close();
});

test("an invited operator chooses a password through the invite link and is signed in", async ({ browser }) => {
  const adminContext = await browser.newContext({ storageState: adminState });
  const adminPage = await adminContext.newPage();
  const email = `invited-${Date.now()}@example.com`;

  await adminPage.goto("/settings/operators");
  const invite = adminPage.locator("form", { has: adminPage.getByRole("button", { name: "Create invite link" }) });
  await invite.getByLabel("Email").fill(email);
  await invite.getByRole("button", { name: "Create invite link" }).click();
  const message = await invite.getByRole("status").textContent();
  const link = message!.match(/http:\/\/\S+\/setup\/[A-Za-z0-9_-]+/)![0].replace("localhost", "127.0.0.1");
  await adminContext.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "Choose your password" })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.getByLabel("Password", { exact: true }).fill("invited password 42");
  await page.getByLabel("Repeat the password").fill("invited password 24");
  await page.getByRole("button", { name: "Save password and sign in" }).click();
  await expect(page.getByText("The two passwords differ; type the same one twice.")).toBeVisible();
  await page.getByLabel("Password", { exact: true }).fill("invited password 42");
  await page.getByLabel("Repeat the password").fill("invited password 42");
  await page.getByRole("button", { name: "Save password and sign in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Settings" })).toHaveCount(0);
  await context.close();
});

test("sign-in answers 429 with Retry-After once one email has failed 5 times from one client", async ({ request }) => {
  // A client address of its own (the e2e server trusts one proxy hop), so other tests are not slowed.
  const headers = { "x-forwarded-for": "203.0.113.7" };
  const data = { email: `target-${Date.now()}@example.com`, password: "guess" };
  for (let i = 0; i < 5; i++) {
    expect((await request.post("/api/auth/login", { headers, data })).status()).toBe(401);
  }
  const limited = await request.post("/api/auth/login", { headers, data });
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  expect(Number(limited.headers()["retry-after"])).toBeLessThanOrEqual(30);
  expect((await limited.json()).error).toMatch(
    /^Too many failed sign-ins\. Try again in \d+ seconds?\. An admin can lift it now under Settings → Operators → Sign-in throttling, or on the server with npm run user -- unlock <email>\.$/,
  );
  // Another client is not slowed by this one's failures.
  expect(
    (await request.post("/api/auth/login", { headers: { "x-forwarded-for": "203.0.113.8" }, data })).status(),
  ).toBe(401);
});

test("sign-in refuses bad input and foreign origins with a JSON message", async ({ request }) => {
  const notJson = await request.post("/api/auth/login", {
    headers: { "content-type": "application/json" },
    data: Buffer.from("{nope"),
  });
  expect(notJson.status()).toBe(400);
  expect((await notJson.json()).error).toMatch(/not JSON/);
  const badEmail = await request.post("/api/auth/login", { data: { email: "nobody", password: "x" } });
  expect(badEmail.status()).toBe(400);
  expect((await badEmail.json()).fieldErrors.email).toEqual(["Enter a valid email address, like ada@example.com."]);
  const foreign = await request.post("/api/auth/login", {
    headers: { origin: "https://evil.example" },
    data: { email: admin.email, password: admin.password },
  });
  expect(foreign.status()).toBe(403);
});
