import { createServer, type Server } from "node:http";
import type { APIResponse, Page } from "@playwright/test";
import { admin, adminState, cronSecret } from "./server";
import { expect, test } from "./fixtures";

/** The headers every page and API answer must carry, refused or not. */
function expectHardened(response: APIResponse, what: string) {
  const h = response.headers();
  const csp = h["content-security-policy"] ?? "";
  expect(csp, `${what}: CSP`).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
  expect(csp, `${what}: CSP`).toContain("frame-ancestors 'none'");
  expect(csp, `${what}: CSP`).toContain("default-src 'self'");
  expect(csp, `${what}: CSP`).toContain("object-src 'none'");
  expect(h["x-frame-options"], `${what}: X-Frame-Options`).toBe("DENY");
  expect(h["x-content-type-options"], `${what}: X-Content-Type-Options`).toBe("nosniff");
  expect(h["referrer-policy"], `${what}: Referrer-Policy`).toBe("same-origin");
  expect(h["cache-control"], `${what}: Cache-Control`).toContain("no-store");
  expect(h["strict-transport-security"], `${what}: no HSTS over plain http`).toBeUndefined();
}

const nonceOf = (response: APIResponse) =>
  /'nonce-([^']+)'/.exec(response.headers()["content-security-policy"] ?? "")?.[1];

test.describe("response headers", () => {
  test.use({ storageState: adminState });

  test("signed-in pages and API routes are hardened and never cached", async ({ page }) => {
    for (const path of ["/", "/generators", "/templates", "/settings/operators"]) {
      const response = await page.request.get(path, { maxRedirects: 0 });
      expect(response.status(), path).toBe(200);
      expectHardened(response, path);
    }
    const session = await page.request.get("/api/session");
    expect(session.status()).toBe(200);
    expect((await session.json()).operator.email).toBe(admin.email);
    expectHardened(session, "/api/session");
  });

  test("every script a page renders carries that response's nonce, and the nonce is new each time", async ({
    page,
  }) => {
    const first = await page.request.get("/");
    const second = await page.request.get("/");
    const nonce = nonceOf(first);
    expect(nonce).toBeTruthy();
    expect(nonceOf(second)).not.toBe(nonce);
    const scripts = (await first.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  test("public pages, public routes and refusals carry the headers too", async ({ playwright, baseURL }) => {
    const stranger = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    const answers: Array<[string, APIResponse, number]> = [
      ["/login", await stranger.get("/login"), 200],
      ["/setup/not-a-real-token", await stranger.get("/setup/not-a-real-token"), 200],
      ["/api/health", await stranger.get("/api/health"), 200],
      ["/api/session without a session", await stranger.get("/api/session"), 401],
      ["/settings without a session", await stranger.get("/settings", { maxRedirects: 0 }), 307],
      [
        "/api/auth/login with a wrong password",
        await stranger.post("/api/auth/login", {
          headers: { "x-forwarded-for": "192.0.2.200" },
          data: { email: "nobody@example.com", password: "wrong" },
        }),
        401,
      ],
      ["/api/jobs/run without the secret", await stranger.post("/api/jobs/run"), 401],
    ];
    for (const [what, response, status] of answers) {
      expect(response.status(), what).toBe(status);
      expectHardened(response, what);
    }
    await stranger.dispose();
  });

  test("static files are not sniffed or framed", async ({ page }) => {
    const html = await (await page.request.get("/login")).text();
    const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
    expect(asset).toBeTruthy();
    const response = await page.request.get(asset!);
    expect(response.status()).toBe(200);
    expect(response.headers()["x-content-type-options"]).toBe("nosniff");
    expect(response.headers()["x-frame-options"]).toBe("DENY");
  });

  test("HSTS when the request came in over https", async ({ page }) => {
    for (const path of ["/", "/api/session"]) {
      const response = await page.request.get(path, { headers: { "x-forwarded-proto": "https" } });
      expect(response.headers()["strict-transport-security"], path).toMatch(/^max-age=\d{7,}; includeSubDomains$/);
      expect(response.headers()["content-security-policy"], path).toContain("upgrade-insecure-requests");
    }
  });
});

test.describe("framing", () => {
  test.use({ storageState: adminState });
  let server: Server;
  let framingOrigin = "";

  test.beforeAll(async ({ baseURL }) => {
    // Same host, another port: same-site, so the Lax session cookie goes along and only the headers stop it.
    server = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        `<!doctype html><h1>Win a prize</h1><iframe title="framed" src="${baseURL}/settings/operators" width="800" height="600"></iframe>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    framingOrigin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("an admin page framed from another origin is refused and shows nothing", async ({ page }) => {
    await page.goto("/settings/operators");
    await expect(page.getByRole("heading", { name: "Operators" }).first()).toBeVisible();

    const refused = page.waitForEvent("console", (m) => /frame-ancestors 'none'/.test(m.text()));
    await page.goto(framingOrigin);
    await expect(page.getByRole("heading", { name: "Win a prize" })).toBeVisible();
    await refused;
    const frame = await (await page.locator("iframe[title='framed']").elementHandle())!.contentFrame();
    expect(frame?.url()).not.toContain("/settings/operators");
    await expect(page.frameLocator("iframe[title='framed']").getByRole("heading", { name: "Operators" })).toHaveCount(
      0,
    );
    await expect(page.frameLocator("iframe[title='framed']").getByRole("button")).toHaveCount(0);
  });
});

/** CSP reports as Chromium gives them: console errors, and securitypolicyviolation events in the page. */
function watchCsp(page: Page) {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => violations.push(`${page.url()}: page error ${e.message}`));
  return violations;
}

test.describe("pages under the CSP", () => {
  test.use({ storageState: adminState });
  test.setTimeout(180_000);

  test("the main pages, the editors, the preview frame and the charts work and report no violation", async ({
    page,
  }) => {
    // A pass first, so the dashboard has charts and the logs have rows and mail to show.
    const pass = await page.request.post("/api/jobs/run", { headers: { authorization: `Bearer ${cronSecret}` } });
    expect(pass.status()).toBe(200);

    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const violations = watchCsp(page);

    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    await page.goto("/generators");
    await expect(page.getByRole("heading", { name: "Generators" }).first()).toBeVisible();
    await page.goto("/generators/new");
    await expect(page.getByRole("button", { name: /Create generator|Save/ }).first()).toBeVisible();
    await page.goto("/generators/sources");
    await expect(page.getByRole("heading").first()).toBeVisible();
    await page.goto("/events");
    await expect(page.getByRole("heading", { name: "Events" }).first()).toBeVisible();
    await page.goto("/deliveries");
    await expect(page.getByRole("heading", { name: "Deliveries" }).first()).toBeVisible();
    await page.goto("/jobs");
    await expect(page.getByRole("heading").first()).toBeVisible();
    await page.goto("/inbox");
    await expect(page.getByRole("heading").first()).toBeVisible();
    await page.goto("/settings");
    await expect(page.getByRole("heading").first()).toBeVisible();
    await page.goto("/settings/operators");
    await expect(page.getByRole("heading", { name: "Operators" }).first()).toBeVisible();

    // The template editor: CodeMirror's injected styles, and a preview that re-renders as one types,
    // which needs hydrated scripts; the HTML lands in the sandboxed srcdoc frame.
    const stamp = Date.now();
    await page.goto("/templates/new");
    await page.getByLabel("Name", { exact: true }).fill(`CSP ${stamp}`);
    await page.getByLabel("Event group").fill(`csp_${stamp}`);
    await page.getByLabel("To", { exact: true }).fill("{{ email }}");
    await page.getByLabel("Subject").fill("Hello {{ name }}");
    await page
      .getByLabel("HTML body")
      .fill(`<p style="color: #b00">Dear {{ name }}</p><style>p { font-weight: bold }</style>`);
    const preview = page.getByRole("region", { name: "Preview" });
    await preview.getByRole("radio", { name: "JSON I edit" }).check();
    await page.getByLabel("Preview context (JSON)").fill(JSON.stringify({ name: "Ada", email: "ada@example.com" }));
    await expect(page.getByTestId("preview-subject")).toHaveText("Hello Ada");
    const framed = page.frameLocator("iframe[title='HTML body preview']").locator("p");
    await expect(framed).toHaveText("Dear Ada");
    await expect(framed).toHaveCSS("color", "rgb(187, 0, 0)");
    await expect(framed).toHaveCSS("font-weight", "700");
    await expect(page.locator(".cm-editor").first()).toBeVisible();
    await expect(page.locator(".cm-editor").first()).toHaveCSS("display", "flex");

    // A stored template, a recorded event and a delivery with its rendered mail.
    await page.goto("/templates");
    await page.getByRole("main").getByRole("table").getByRole("link").first().click();
    await expect(page.locator(".cm-editor").first()).toBeVisible();
    await page.goto("/events");
    await page.getByRole("main").getByRole("table").getByRole("link").first().click();
    await expect(page.getByRole("heading").first()).toBeVisible();
    await page.goto("/deliveries");
    await page.getByRole("main").getByRole("table").getByRole("link").first().click();
    await expect(page.frameLocator("iframe").first().locator("body")).toBeAttached();

    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    expect(violations).toEqual([]);
  });
});

test.describe("redirects after sign-in stay on Spark", () => {
  test("a next with a tab between slashes lands on a Spark page after signing in", async ({ browser, baseURL }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/login?next=/%09/evil.example/phish");
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
    await context.close();
  });

  test("a signed-in visit to the login page follows only same-origin paths, never a 500", async ({ browser }) => {
    const context = await browser.newContext({ storageState: adminState });
    const variants: Array<[string, string]> = [
      ["/%09/evil.example/phish", "/"],
      ["/%0a/evil.example", "/"],
      ["/%0d/evil.example", "/"],
      ["%0d%0aSet-Cookie:x=1", "/"],
      ["//evil.example", "/"],
      ["/%5Cevil.example", "/"],
      ["/%E3%80%82/evil.example", "/"],
      ["/%EF%BC%8Fevil.example", "/"],
      ["%2f%2fevil.example", "/"],
      ["https://evil.example/", "/"],
      ["javascript:alert(1)", "/"],
      ["/%E3%80", "/"],
      ["/events?group=challenge_ends_2d", "/events?group=challenge_ends_2d"],
    ];
    for (const [next, location] of variants) {
      const response = await context.request.get(`/login?next=${next}`, { maxRedirects: 0 });
      expect(response.status(), next).toBe(307);
      expect(response.headers().location, next).toBe(location);
    }
    await context.close();
  });
});

test("a failed sign-in names when to retry, a stranger's failures do not lock the operator out, and an admin can lift a throttle", async ({
  playwright,
  baseURL,
  browser,
}) => {
  // The e2e server trusts one proxy hop, so each request below chooses its client address.
  const request = await playwright.request.newContext({ baseURL });
  const stranger = { "x-forwarded-for": "198.51.100.23" };
  for (let i = 0; i < 5; i++) {
    expect(
      (
        await request.post("/api/auth/login", {
          headers: stranger,
          data: { email: admin.email, password: `guess ${i}` },
        })
      ).status(),
    ).toBe(401);
  }
  const limited = await request.post("/api/auth/login", { headers: stranger, data: admin });
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  expect((await limited.json()).error).toMatch(
    /^Too many failed sign-ins\. Try again in \d+ seconds?\. An admin can lift it now under Settings → Operators → Sign-in throttling, or on the server with npm run user -- unlock <email>\.$/,
  );

  const fresh = await request.post("/api/auth/login", { headers: { "x-forwarded-for": "198.51.100.24" }, data: admin });
  expect(fresh.status()).toBe(200);

  const adminContext = await browser.newContext({ storageState: adminState });
  const page = await adminContext.newPage();
  await page.goto("/settings/operators");
  const row = page.getByRole("row").filter({ hasText: "198.51.100.23" });
  await expect(row).toContainText(admin.email);
  await expect(row).toContainText("5");
  await row.getByRole("button", { name: `Lift throttling of ${admin.email} from 198.51.100.23` }).click();
  // Lifted, the pair leaves the list.
  await expect(row).toHaveCount(0);
  await adminContext.close();
  expect((await request.post("/api/auth/login", { headers: stranger, data: admin })).status()).toBe(200);
  await request.dispose();
});
