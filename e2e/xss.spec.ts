import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

const payloads = {
  script: "<script>alert('script')</script>",
  img: `<img src=x onerror="alert('img')">`,
  svg: "<svg onload=alert('svg')>",
};

test("HTML and script in a source's rows show as text in the test result, the preview, the event log and the event", async ({
  page,
}) => {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const stamp = Date.now();
  const source = `xss-${stamp}`;
  const group = `xss_${stamp}`;
  const query = `select 1 as id, ${Object.values(payloads)
    .map((p, i) => `'${p.replace(/'/g, "''")}' as p${i}`)
    .join(", ")}`;

  await page.goto("/generators/sources/new");
  await page.getByLabel("Name", { exact: true }).fill(source);
  await page.getByLabel("Description").fill(payloads.img);
  await page.getByLabel("Query").fill(query);
  await page.getByRole("button", { name: "Test query" }).click();
  const result = page.getByRole("region", { name: "Test result" });
  await expect(result.getByRole("cell", { name: payloads.script })).toBeVisible();
  await page.getByRole("button", { name: "Create source" }).click();
  await expect(page.getByText(payloads.img)).toBeVisible();

  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(`${payloads.svg} ${stamp}`);
  await page.getByLabel("Event group").fill(group);
  await page.getByLabel("Source").selectOption({ label: source });
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(page.getByTestId("preview-passed")).toHaveText("1");
  await page.getByText(`${group}:1`).click();
  await expect(page.getByText(JSON.stringify(payloads.img).slice(1, -1), { exact: false }).first()).toBeVisible();
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("link", { name: `${payloads.svg} ${stamp}` })).toBeVisible();

  await page.goto("/");
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("run-progress").getByText(/^(ok|error)$/)).toBeVisible({ timeout: 20_000 });

  await page.goto(`/events?group=${group}`);
  await page.getByRole("link", { name: `${group}:1`, exact: true }).click();
  for (const payload of Object.values(payloads)) await expect(page.getByText(JSON.stringify(payload))).toBeVisible();
  await expect(page.locator("img[src=x], svg[onload], main script")).toHaveCount(0);
  expect(dialogs).toEqual([]);
});

test("script and onerror payloads in a template's fields show as text in the list, the editor's preview and the Inbox; the HTML runs nowhere", async ({
  page,
}) => {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const stamp = Date.now();
  const name = `<img src=x onerror="alert('name')"> ${stamp}`;
  await page.goto("/templates/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Event group").fill(`xss_mail_${stamp}`);
  await page.getByLabel("To", { exact: true }).fill("{{ email }}");
  await page.getByLabel("Subject").fill("<script>alert('subject')</script> {{ who }}");
  await page
    .getByLabel("HTML body")
    .fill(`<p>{{ who }}</p><img src=x onerror="alert('html')"><script>alert('body')</script>`);
  await page.getByRole("region", { name: "Preview" }).getByRole("radio", { name: "JSON I edit" }).check();
  await page
    .getByLabel("Preview context (JSON)")
    .fill(JSON.stringify({ email: "xss@example.com", who: "<svg onload=alert('ctx')>" }));
  await expect(page.getByTestId("preview-subject")).toHaveText(
    "<script>alert('subject')</script> <svg onload=alert('ctx')>",
  );
  const frame = page.frameLocator("iframe[title='HTML body preview']");
  await expect(frame.locator("p")).toHaveText("<svg onload=alert('ctx')>");
  await expect(page.locator("iframe[title='HTML body preview']")).toHaveAttribute("sandbox", "");

  await page.getByLabel("Test address").fill(`xss-${stamp}@example.com`);
  await page.getByRole("button", { name: "Send test" }).click();
  await expect(page.getByText(`Sent to xss-${stamp}@example.com`)).toBeVisible();
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved as version 1." })).toBeVisible();

  await page.goto("/templates");
  await expect(page.getByRole("link", { name })).toBeVisible();
  await page.goto("/inbox");
  const row = page.getByRole("row").filter({ hasText: `xss-${stamp}@example.com` });
  await expect(row).toContainText("[Test] <script>alert('subject')</script> <svg onload=alert('ctx')>");
  await row.getByRole("link").click();
  await expect(page.frameLocator("iframe").locator("p")).toHaveText("<svg onload=alert('ctx')>");
  await page.getByRole("tab", { name: "Source" }).click();
  await expect(page.getByText("Message-ID:", { exact: false })).toBeVisible();
  await expect(page.locator("main img[src=x], main svg[onload], main script")).toHaveCount(0);
  expect(dialogs).toEqual([]);
});
