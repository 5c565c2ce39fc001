import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import type { Page } from "@playwright/test";
import { adminState } from "./server";
import { expect, test } from "./fixtures";
import { listAppRoutes } from "./routes";

test.use({ storageState: adminState, viewport: { width: 1366, height: 768 } });

const WIDTH = 1366;
// Outside test-results/, which the next run of any spec empties: the screenshots are for a person to look at.
const shots = process.env.SPARK_LOOKS_DIR ?? join(tmpdir(), "spark-looks");

const sidewaysScroll = (page: Page) =>
  page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

/** A page route's path as written in app/ ("/events/[id]"), route groups left out. */
const templateOf = (file: string) =>
  `/${relative("app", file)
    .split(sep)
    .slice(0, -1)
    .filter((s) => !/^\(.*\)$/.test(s))
    .join("/")}`;

test("no page scrolls sideways at 1,366 px, detail pages included", async ({ page }) => {
  test.setTimeout(240_000);
  mkdirSync(shots, { recursive: true });
  // A pass first, so the logs, the Inbox and the detail pages have rows to show.
  await page.goto("/");
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("run-progress").getByText(/^(ok|error)$/)).toBeVisible({ timeout: 60_000 });

  const pages = listAppRoutes().filter((r) => r.kind === "page");
  const statics = pages.map((r) => templateOf(r.file)).filter((t) => !t.includes("["));
  const hrefs: string[] = [];
  const wide: string[] = [];
  const visit = async (path: string) => {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    const { scroll } = await sidewaysScroll(page);
    const name = path.replace(/[^a-z0-9]+/gi, "_") || "root";
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    if (scroll > WIDTH) wide.push(`${path}: ${scroll}px wide`);
    hrefs.push(
      ...(await page.locator("a[href^='/']").evaluateAll((links) => links.map((a) => a.getAttribute("href")!))),
    );
  };
  for (const path of statics) await visit(path);
  for (const route of pages) {
    const template = templateOf(route.file);
    if (!template.includes("[")) continue;
    // A real row's page where a list links to one; the route's own sample path otherwise.
    const pattern = new RegExp(`^${template.replace(/\[[^\]]+\]/g, "[^/?#]+")}$`);
    const real = hrefs.map((h) => h.split(/[?#]/)[0]!).find((h) => pattern.test(h) && !statics.includes(h));
    await visit(real ?? route.path);
  }
  expect(wide).toEqual([]);
});

test("the HTML editor leaves closing tags to the author", async ({ page }) => {
  await page.goto("/templates/new");
  const body = page.getByLabel("HTML body");
  await body.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.type("<h1>Hi</h1>");
  await expect(body).toHaveText("<h1>Hi</h1>");
});

test("the SQL editor's completions show no icon boxes", async ({ page }) => {
  await page.goto("/generators/sources/new");
  const query = page.getByLabel("Query");
  await query.click();
  await page.keyboard.type("sel");
  const popup = page.getByRole("listbox");
  await expect(popup.getByRole("option").first()).toBeVisible();
  await expect(popup.locator(".cm-completionIcon")).toHaveCount(0);
});

test("the schema browser lists the connection's tables and inserts them at the cursor", async ({ page }) => {
  await page.goto("/generators/sources/new");
  const tables = page.getByRole("region", { name: "Tables" });
  await expect(tables.getByRole("button", { name: "Insert demo.challenges" })).toBeVisible();
  // The reader cannot read Spark's own tables or the system catalogs, so they are not listed.
  await expect(tables.getByRole("button", { name: /Insert (pg_catalog|information_schema|public)\./ })).toHaveCount(0);
  const query = page.getByLabel("Query");
  await query.click();
  await page.keyboard.type("select ");
  await tables.getByRole("button", { name: "Insert column id of demo.challenges" }).click();
  await page.keyboard.type(" from ");
  await tables.getByRole("button", { name: "Insert demo.challenges" }).click();
  await expect(query).toHaveText("select id from demo.challenges");
  // The completions offer the same tables.
  await query.press("End");
  await page.keyboard.type(" where demo.challenges.ow");
  await expect(page.getByRole("listbox").getByRole("option", { name: /^owner_id/ })).toBeVisible();
  await page.keyboard.press("Escape");
  await tables.getByLabel("Find a table or column").fill("donations");
  await expect(tables.getByRole("button", { name: "Insert demo.donations" })).toBeVisible();
  await expect(tables.getByRole("button", { name: "Insert demo.challenges" })).toHaveCount(0);
});

test("Test query names the line and column of a syntax error, and counts in the singular", async ({ page }) => {
  await page.goto("/generators/sources/new");
  const query = page.getByLabel("Query");
  // A trailing comma before FROM, on the third line of what the operator typed.
  await query.fill("select id,\n  title,\nfrom demo.challenges");
  await page.getByRole("button", { name: "Test query" }).click();
  await expect(page.getByText('The query failed: syntax error at or near "from" (line 3, column 1).')).toBeVisible();

  await query.fill("select 1 as id");
  await page.getByRole("button", { name: "Test query" }).click();
  await expect(page.getByText("The query works: 1 column, 1 row shown.")).toBeVisible();
});

test("wide Test query results scroll inside their box, not the page", async ({ page }) => {
  await page.goto("/generators/sources/new");
  const columns = Array.from({ length: 30 }, (_, i) => `repeat('w', 60) as wide_column_${i}`).join(", ");
  await page.getByLabel("Query").fill(`select id, ${columns} from demo.challenges`);
  await page.getByRole("button", { name: "Test query" }).click();
  const rows = page.getByTestId("test-rows");
  await expect(rows).toBeVisible();
  const box = await rows.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(box.scroll).toBeGreaterThan(box.client);
  expect((await sidewaysScroll(page)).scroll).toBeLessThanOrEqual(WIDTH);
});

test("the dashboard's charts name dates, oldest first", async ({ page }) => {
  await page.goto("/");
  const axis = page.getByRole("figure").first().locator("figcaption time");
  await expect(axis.first()).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{2}:00$/);
  const times = await axis.evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime")!)));
  expect(times.length).toBeGreaterThan(1);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
});

test("the group hint does not read as if ';' were allowed", async ({ page }) => {
  await page.goto("/generators/new");
  const hint = page.getByText(/templates and handlers react to it/i);
  await expect(hint).toBeVisible();
  await expect(hint).not.toHaveText(/[-_.:]\s*;/);
});

test("the subject preview wraps between words", async ({ page }) => {
  await page.goto("/templates/new");
  await page.getByLabel("Event group").fill("looks_subject");
  await page.getByLabel("To", { exact: true }).fill("{{ owner_email }}");
  await page.getByLabel("Subject").fill("Your challenge {{ title }} ends in two days, so please remember it");
  // A context of its own, so the preview renders without any event of the group.
  await page.getByRole("region", { name: "Preview" }).getByRole("radio", { name: "JSON I edit" }).check();
  await page
    .getByLabel("Preview context (JSON)")
    .fill(JSON.stringify({ owner_email: "a@example.com", owner_name: "Ada", title: "Marathontraining" }));
  const subject = page.getByTestId("preview-subject");
  await expect(subject).toContainText("Marathontraining");
  expect(await subject.evaluate((el) => getComputedStyle(el).wordBreak)).not.toBe("break-all");
});

test("the log filters' date fields are wide enough to show a whole date and time", async ({ page }) => {
  for (const path of ["/events", "/deliveries"]) {
    await page.goto(path);
    for (const label of ["From (UTC)", "Until (UTC)"]) {
      const field = page.getByLabel(label);
      // The field's own width against the width the browser needs for its text (an unstyled copy's).
      const { width, needed } = await field.evaluate((el) => {
        const copy = el.cloneNode() as HTMLElement;
        copy.style.width = "auto";
        el.parentElement!.append(copy);
        const needed = copy.offsetWidth;
        copy.remove();
        return { width: (el as HTMLElement).offsetWidth, needed };
      });
      expect(width, `${path} ${label}`).toBeGreaterThanOrEqual(needed);
    }
  }
});
