import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { api, appPages, hydrated, signedIn, unique } from "./helpers";

/** axe-core's findings on the page as it is now that are serious or critical. */
async function seriousProblems(page: Page, where: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Every page of the app, plus the open dialogs and menus a person meets on them. */
async function visitEverything(page: Page): Promise<string[]> {
  const found: string[] = [];
  const check = async (where: string) => found.push(...(await seriousProblems(page, where)));
  const name = unique("a11y");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "editor", description: "Checked by axe" });
  await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "ci", never_expires: true });

  const pages = [...appPages(service_account.id), "/api/reference"];
  for (const path of pages) {
    await page.goto(path);
    if (!path.startsWith("/api/")) await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await check(path);
  }

  // What opens on the pages: the list's row menu and expanded tokens, the dialogs, a tab.
  await page.goto("/settings/service-accounts");
  await hydrated(page);
  await page.getByLabel("Search by name").fill(name);
  await page.getByRole("button", { name: new RegExp(`tokens? of ${name}`) }).click();
  await expect(page.getByRole("table", { name: `Tokens of ${name}` })).toBeVisible();
  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await check("service accounts, row menu and tokens open");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "New service account" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("dialog").getByRole("alert").first()).toBeVisible();
  await check("New service account, with an error");
  await page.keyboard.press("Escape");

  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);
  await page.getByRole("button", { name: "Add API token" }).click();
  await check("Add API token");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Revoke ci" }).click();
  await check("Revoke token");
  await page.keyboard.press("Escape");

  await page.goto("/settings/members");
  await hydrated(page);
  await page.getByRole("tab", { name: "Service accounts" }).click();
  await expect(page.getByRole("tabpanel", { name: "Service accounts" })).toBeVisible();
  await check("members, service accounts tab");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await hydrated(page);
  await check("/login");
  await page.goto("/setup?token=not-a-real-link");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await check("/setup");
  return found;
}

// Each test visits every page and the dialogs on them and runs axe-core on each, a minute of
// work on a busy 2-core machine: it gets three times the usual time.
test("every page passes axe-core without serious or critical findings, in light mode", async ({ page }) => {
  test.slow();
  await signedIn(page);
  expect(await visitEverything(page)).toEqual([]);
});

test("every page passes axe-core without serious or critical findings, in dark mode", async ({ page }) => {
  test.slow();
  await page.emulateMedia({ colorScheme: "dark" });
  await signedIn(page);
  expect(await visitEverything(page)).toEqual([]);
});
