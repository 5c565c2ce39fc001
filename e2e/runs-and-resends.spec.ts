import { adminState } from "./server";
import { expect, test } from "./fixtures";

test.use({ storageState: adminState });

test("Run now's figures match the run's page, See the events opens that run's events, and the runs list names the instance", async ({
  page,
}) => {
  const stamp = Date.now();
  const group = `e2e_runs_${stamp}`;
  // A second generator on the demo's source, so that two generators read one source in the pass.
  await page.goto("/generators/new");
  await page.getByLabel("Name", { exact: true }).fill(`runs ${stamp}`);
  await page.getByLabel("Event group").fill(group);
  await page.getByLabel("Source").selectOption({ label: "Challenges (demo)" });
  await page.getByRole("checkbox", { name: "Active: job passes run this generator" }).check();
  await page.getByRole("button", { name: "Create generator" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();

  await page.goto("/");
  // A double click starts one pass: the second press is dropped, or follows the pass the first started.
  await page.getByRole("button", { name: "Run now" }).dblclick();
  const progress = page.getByTestId("run-progress");
  await expect(progress.getByText(/^(ok|error)$/)).toBeVisible({ timeout: 30_000 });
  const runLink = progress.getByRole("link", { name: /^Run #\d+$/ });
  const runId = Number((await runLink.textContent())!.replace(/\D/g, ""));
  const candidates = (await progress.getByText(/candidates read/).textContent())!.match(/([\d,]+) candidates read/)![1];

  await page.goto("/jobs");
  const rows = page.getByRole("row").filter({ has: page.getByRole("link", { name: /^#\d+$/ }) });
  // No skipped pass from the second press.
  await expect(rows.first().getByRole("link", { name: `#${runId}` })).toBeVisible();
  await expect(rows.first()).not.toContainText("skipped");
  await expect(rows.first()).toContainText(/\S+:\d+/);

  await page.goto(`/jobs/${runId}`);
  await expect(page.getByText(`${candidates} candidates read`)).toBeVisible();
  await page.getByRole("link", { name: "See the events" }).click();
  await expect(page).toHaveURL(new RegExp(`/events\\?run=${runId}$`));
  await expect(page.getByLabel("Job run")).toHaveValue(String(runId));
  const eventRows = page.getByRole("row").filter({ hasText: `${group}:` });
  await expect(eventRows.first()).toBeVisible();
  for (const link of await page
    .getByRole("row")
    .getByRole("link", { name: /^#\d+$/ })
    .all())
    await expect(link).toHaveText(`#${runId}`);
});

test("a delivery links to its Inbox copy, and a double click on Resend sends one copy", async ({ page }) => {
  await page.goto("/deliveries?status=sent");
  const first = page.getByRole("row").nth(1).getByRole("link").first();
  await first.click();
  await expect(page).toHaveURL(/\/deliveries\/\d+$/);
  const deliveryUrl = page.url();

  const inbox = page.getByRole("link", { name: "See the captured copy" });
  await expect(inbox).toHaveAttribute("href", /^\/inbox\/\d+$/);
  await inbox.click();
  await expect(page.getByRole("link", { name: /^delivery #\d+$/ })).toHaveAttribute(
    "href",
    new URL(deliveryUrl).pathname,
  );

  await page.goto(deliveryUrl);
  await page.getByRole("button", { name: "Resend" }).dblclick();
  await expect(page.getByRole("status").filter({ hasText: /^(Resent as delivery #\d+|Already resent)/ })).toBeVisible();
  await page.reload();
  const copies = page.locator("dd", { has: page.getByRole("link", { name: /^#\d+ \(\w+\)$/ }) });
  await expect(copies.getByRole("link")).toHaveCount(1);

  // The reloaded page shows that resend, so pressing again is a deliberate second resend.
  await page.getByRole("button", { name: "Resend" }).click();
  await expect(page.getByRole("status")).toBeVisible();
  await page.reload();
  await expect(copies.getByRole("link")).toHaveCount(2);
});

test("a skipped pass reads as a status, in one cell of the runs list and one card of its page", async ({ page }) => {
  const { cronSecret } = await import("./server");
  const headers = { authorization: `Bearer ${cronSecret}` };
  // Cron calls in pairs: the second of a pair finds the first holding the job lease. A pair can miss
  // (one pass ends before the other starts), so it tries a few pairs; none skipping is a failure.
  let skipped: { runId: number; status: string } | undefined;
  for (let pair = 0; pair < 5 && !skipped; pair++) {
    const answers = await Promise.all([
      page.request.post("/api/jobs/run", { headers }),
      page.request.post("/api/jobs/run", { headers }),
    ]);
    skipped = (await Promise.all(answers.map((a) => a.json()))).find((s) => s.status === "skipped");
  }
  expect(skipped, "no pass was skipped in five concurrent pairs").toBeDefined();
  if (!skipped) return;

  await page.goto("/jobs?status=skipped");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: `#${skipped.runId}` }) });
  await expect(row).toContainText(/skipped: another run \(#\d+\) is in progress/);
  // One cell says why; no zeros, no "none" under Errors.
  await expect(row.getByRole("cell")).toHaveCount(7);
  await expect(row).not.toContainText("none");
  await expect(row).not.toContainText("0 new");

  await page.goto(`/jobs/${skipped.runId}`);
  await expect(page.getByRole("heading", { name: "Skipped" })).toBeVisible();
  await expect(page.getByText("candidates read")).toHaveCount(0);
});
