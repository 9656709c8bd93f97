import { test, expect, Page } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

/** Shows only `name` in the list (other tests leave many accounts behind). */
async function findInList(page: Page, name: string) {
  await page.getByLabel("Search by name").fill(name);
  // The row may show before the search applies (the full list holds it too); the pager's count
  // says the search has come back, so nothing re-renders the row after this.
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText("· 1 account");
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(1);
}

test("the list shows the tenant URL to copy, and each row adds a token, shows its tokens and revokes one", async ({
  page,
  context,
  baseURL,
}) => {
  const problems = watchConsole(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await signedIn(page);
  const name = unique("row");
  await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });

  // The tenant URL, for session.json, with a copy button.
  await expect(page.getByText("Tenant URL")).toBeVisible();
  await expect(page.getByText(`${baseURL}/`, { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Copy tenant URL" }).click();
  await expect(page.getByRole("button", { name: "Copy tenant URL" })).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/`);

  // Add API token, right from the row.
  await findInList(page, name);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await row.getByRole("button", { name: "Add API token" }).click();
  const add = page.getByRole("dialog", { name: "Add API token" });
  await add.getByLabel("Name").fill("nightly");
  await add.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("dialog", { name: "Copy your new token" });
  expect(await shown.getByLabel("Token nightly").inputValue()).toMatch(/^stw_/);
  await shown.getByRole("button", { name: "Done" }).click();

  // Expand the row: its tokens, each with ⋮ › Revoke.
  const tokens = page.getByRole("button", { name: new RegExp(`tokens? of ${name}`) });
  await expect(tokens).toHaveText(/1 token/);
  await expect(tokens).toHaveAttribute("aria-expanded", "false");
  await tokens.click();
  await expect(tokens).toHaveAttribute("aria-expanded", "true");
  const nested = page.getByRole("table", { name: `Tokens of ${name}` });
  await expect(nested.getByRole("row", { name: /nightly/ })).toBeVisible();
  await page.screenshot({ path: "test-results/list-expanded.png", fullPage: true });
  await nested.getByRole("button", { name: "Actions for token nightly" }).click();
  await page.getByRole("menuitem", { name: "Revoke" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke token" });
  await confirm.getByLabel("Type nightly to confirm").fill("nightly");
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByRole("status")).toContainText("Revoked nightly.");
  await expect(page.getByRole("row", { name: new RegExp(name) }).getByRole("button", { name: new RegExp(`tokens? of ${name}`) })).toHaveText(/0 tokens/);
  await expect(page.getByText("No tokens.")).toBeVisible();
  expect(problems).toEqual([]);
});

test("the row menu works with the keyboard: Manage, Disable with Undo, Enable, Delete service account", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("menu");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "kept" });
  await findInList(page, name);
  const row = page.getByRole("row", { name: new RegExp(name) });
  const menu = row.getByRole("button", { name: `Actions for ${name}` });

  // Enter opens it on its first item; the arrows move; Escape closes it and returns the focus.
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("menuitem", { name: "Manage" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Disable" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Delete service account" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("menuitem", { name: "Manage" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toHaveCount(0);
  await expect(menu).toBeFocused();

  // Disable, keeping the tokens suspended: the toast offers Undo.
  await page.keyboard.press("Enter");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  const disable = page.getByRole("dialog", { name: "Disable service account" });
  await disable.getByLabel("Keep tokens suspended instead of revoking them").check();
  await disable.getByRole("button", { name: "Disable account" }).click();
  await expect(page.getByRole("status")).toContainText(`Disabled ${name}; its tokens are suspended.`);
  await expect(row).toContainText("Disabled");
  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status")).toContainText(`Enabled ${name}.`);
  await expect(row).not.toContainText("Disabled");
  const { items } = await api(page, "/api/v1/tokens/list", { service_account_id: service_account.id });
  expect(items.map((t: any) => [t.name, t.status])).toEqual([["kept", "active"]]);

  // Disable again, then Enable from the menu.
  await menu.click();
  await page.getByRole("menuitem", { name: "Disable" }).click();
  await page.getByRole("dialog", { name: "Disable service account" }).getByLabel("Keep tokens suspended instead of revoking them").check();
  await page.getByRole("dialog", { name: "Disable service account" }).getByRole("button", { name: "Disable account" }).click();
  await expect(row).toContainText("Disabled");
  await menu.click();
  await page.getByRole("menuitem", { name: "Enable" }).click();
  await expect(page.getByRole("status")).toContainText(`Enabled ${name}.`);
  await expect(row).not.toContainText("Disabled");

  // A click elsewhere closes the menu; Manage opens the account.
  await menu.click();
  await page.getByRole("heading", { name: "Service accounts", level: 1 }).click();
  await expect(page.getByRole("menu")).toHaveCount(0);
  await menu.click();
  await page.getByRole("menuitem", { name: "Manage" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await page.goBack();
  await hydrated(page);

  // Delete service account asks for the name.
  await findInList(page, name);
  await menu.click();
  await page.getByRole("menuitem", { name: "Delete service account" }).click();
  const del = page.getByRole("dialog", { name: "Delete service account" });
  await expect(del.getByRole("button", { name: "Delete account" })).toBeDisabled();
  await del.getByLabel(`Type ${name} to confirm`).fill(name);
  await del.getByRole("button", { name: "Delete account" }).click();
  await expect(page.getByRole("status")).toContainText(`Deleted ${name}.`);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("New service account goes straight on to its first token", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("first");
  await page.getByRole("button", { name: "New service account" }).click();
  const form = page.getByRole("dialog", { name: "New service account" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("button", { name: "Create" }).click();
  const first = page.getByRole("dialog", { name: "Add the account's first API token" });
  await first.getByLabel("Name").fill("ci");
  await page.screenshot({ path: "test-results/first-token.png" });
  await first.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("dialog", { name: "Copy your new token" });
  expect(await shown.getByLabel("Token ci").inputValue()).toMatch(/^stw_/);
  await shown.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByRole("row", { name: /ci/ })).toBeVisible();
  expect(problems).toEqual([]);
});

test("Members shows service accounts in their own tab, with a badge", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("member-sa");
  await api(page, "/api/v1/service-accounts/create", { name, role: "editor" });
  await page.getByRole("link", { name: "Members" }).click();
  await hydrated(page);
  const people = page.getByRole("tab", { name: "People" });
  const accounts = page.getByRole("tab", { name: "Service accounts" });
  await expect(people).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("tabpanel", { name: "People" })).toContainText("admin@acme.test");
  // The arrow keys move between the tabs.
  await people.focus();
  await page.keyboard.press("ArrowRight");
  await expect(accounts).toBeFocused();
  await expect(accounts).toHaveAttribute("aria-selected", "true");
  const panel = page.getByRole("tabpanel", { name: "Service accounts" });
  const row = panel.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("service account");
  await expect(row).toContainText("Editor");
  await row.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  expect(problems).toEqual([]);
});

test("the keyboard focus is visible, dark mode follows the system, and a bulk revoke shows progress", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);

  // The focus ring shows where the keyboard is.
  await page.getByLabel("Search by name").focus();
  await page.keyboard.press("Tab");
  const role = page.getByLabel("Role", { exact: true });
  await expect(role).toBeFocused();
  const ring = await role.evaluate((e) => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]);
  expect(ring).toEqual(["solid", "3px"]);

  // Dark mode follows the system setting.
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(await background()).toBe("rgb(246, 247, 249)");
  await page.emulateMedia({ colorScheme: "dark" });
  expect(await background()).toBe("rgb(17, 21, 29)");
  await page.emulateMedia({ colorScheme: "light" });

  // Revoking every token says it is working until the server answers.
  const name = unique("bulk");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  for (const t of ["one", "two"]) await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: t });
  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);
  await page.route("**/api/v1/tokens/revoke-all", async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    await route.continue();
  });
  await page.getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Delete all tokens" }).click();
  const all = page.getByRole("dialog", { name: "Delete all tokens" });
  await all.getByRole("button", { name: "Delete 2 tokens" }).click();
  await expect(all.getByRole("button", { name: "Delete 2 tokens…" })).toBeDisabled();
  await expect(page.getByRole("status")).toContainText(`Revoked every token of ${name}.`);
  await expect(page.getByText("No tokens yet")).toBeVisible();
  expect(problems).toEqual([]);
});
