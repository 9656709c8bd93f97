import { test, expect, Page } from "@playwright/test";
import { api, hydrated, signedIn } from "./helpers";
import * as path from "path";

// The README's pictures: made by the suite, so they show the product as it is now.
const shots = path.join(__dirname, "..", "..", "docs", "screenshots");

/** The accounts the pictures show, created once per database. */
async function sampleAccounts(page: Page): Promise<Record<string, string>> {
  const wanted = [
    { name: "ci-deploy", role: "editor", description: "Deploys main from GitHub Actions", tokens: ["github-actions", "rollback"] },
    { name: "grafana-agent", role: "viewer", description: "Reads service accounts for the dashboard", tokens: ["metrics"] },
    { name: "nightly-backup", role: "viewer", description: "Exports the audit log every night", tokens: [] },
    { name: "terraform-cloud", role: "admin", description: "Manages accounts as code", tokens: ["plan-apply"] },
  ];
  const ids: Record<string, string> = {};
  for (const w of wanted) {
    const found = await api(page, "/api/v1/service-accounts/list", { query: w.name });
    const existing = found.items.find((sa: any) => sa.name === w.name);
    const id = existing?.id ?? (await api(page, "/api/v1/service-accounts/create", { name: w.name, role: w.role, description: w.description })).service_account.id;
    ids[w.name] = id;
    if (!existing) {
      for (const t of w.tokens) await api(page, "/api/v1/tokens/create", { service_account_id: id, name: t, expires_in_days: 90 });
    }
  }
  return ids;
}

async function list(page: Page) {
  await page.goto("/settings/service-accounts");
  await hydrated(page);
  await expect(page.getByRole("row", { name: /ci-deploy/ })).toBeVisible();
}

test("screenshots of the main pages for the README", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 760 });
  await signedIn(page);
  const ids = await sampleAccounts(page);

  await list(page);
  await page.getByRole("button", { name: /tokens? of ci-deploy/ }).click();
  await expect(page.getByRole("table", { name: "Tokens of ci-deploy" })).toBeVisible();
  await page.getByRole("button", { name: "Actions for ci-deploy" }).click();
  await expect(page.getByRole("menuitem", { name: "Manage" })).toBeFocused();
  await page.screenshot({ path: path.join(shots, "service-accounts.png") });
  await page.keyboard.press("Escape");

  await page.goto(`/settings/service-accounts/${ids["ci-deploy"]}`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "ci-deploy", level: 1 })).toBeVisible();
  await page.screenshot({ path: path.join(shots, "service-account.png"), fullPage: true });

  await page.getByRole("button", { name: "Add API token" }).click();
  const add = page.getByRole("dialog", { name: "Add API token" });
  await add.getByLabel("Name").fill("release-pipeline");
  await add.getByLabel("Description").fill("Tags releases");
  await page.screenshot({ path: path.join(shots, "add-token.png") });
  await page.keyboard.press("Escape");

  await page.goto("/settings/stale");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Stale credentials", level: 1 })).toBeVisible();
  await page.screenshot({ path: path.join(shots, "stale.png") });

  await page.goto("/settings/members");
  await hydrated(page);
  await page.getByRole("tab", { name: "Service accounts" }).click();
  await expect(page.getByRole("tabpanel", { name: "Service accounts" }).getByRole("row", { name: /ci-deploy/ })).toBeVisible();
  await page.screenshot({ path: path.join(shots, "members.png") });

  await page.emulateMedia({ colorScheme: "dark" });
  await list(page);
  await page.screenshot({ path: path.join(shots, "service-accounts-dark.png") });

  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 375, height: 760 });
  await list(page);
  // The rows as cards, each with its menu, Add API token and token count on screen.
  await page.evaluate(() => window.scrollBy(0, document.querySelector("main table")!.getBoundingClientRect().top - 120));
  await page.screenshot({ path: path.join(shots, "service-accounts-narrow.png") });
});
