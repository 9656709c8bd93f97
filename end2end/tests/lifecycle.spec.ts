import { test, expect, request } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

test("edit, disable keeping tokens suspended, enable, disable revoking, delete by typing the name", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("bot");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  const { secret } = await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "t" });
  const script = await request.newContext({ baseURL });
  const whoami = async () =>
    (await script.post("/api/v1/auth/whoami", { headers: { Authorization: `Bearer ${secret}` }, data: {} })).status();

  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);

  // Edit
  await page.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit service account" });
  await edit.getByLabel("Name").fill(`${name}-renamed`);
  await edit.getByLabel("Description").fill("renamed by the test");
  await edit.getByLabel("Role").selectOption("editor");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: `${name}-renamed`, level: 1 })).toBeVisible();
  await expect(page.getByText("renamed by the test")).toBeVisible();
  await expect(page.locator("dl")).toContainText("Editor");

  // Disable, keeping tokens suspended
  await page.getByRole("button", { name: "Disable" }).click();
  const disable = page.getByRole("dialog", { name: "Disable service account" });
  await expect(disable).toContainText("revoked permanently");
  await disable.getByLabel("Keep tokens suspended instead of revoking them").check();
  await expect(disable).toContainText("suspended");
  await disable.getByRole("button", { name: "Disable account" }).click();
  await expect(page.getByRole("note")).toContainText("This account is disabled");
  await expect(page.getByRole("row", { name: /\bt\b/ })).toContainText("Suspended");
  expect(await whoami()).toBe(401);

  // Enable: the suspended token works again
  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByRole("button", { name: "Disable" })).toBeVisible();
  expect(await whoami()).toBe(200);

  // Disable with the default: tokens are revoked for good
  await page.getByRole("button", { name: "Disable" }).click();
  await page.getByRole("dialog", { name: "Disable service account" }).getByRole("button", { name: "Disable account" }).click();
  await expect(page.getByText("No tokens yet")).toBeVisible();
  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByRole("button", { name: "Disable" })).toBeVisible();
  expect(await whoami()).toBe(401);

  // Delete, after typing the name
  await page.getByRole("button", { name: "Delete account" }).click();
  const del = page.getByRole("dialog", { name: "Delete service account" });
  const confirm = del.getByRole("button", { name: "Delete account" });
  await expect(confirm).toBeDisabled();
  await del.getByLabel(`Type ${name}-renamed to confirm`).fill("wrong");
  await expect(confirm).toBeDisabled();
  await del.getByLabel(`Type ${name}-renamed to confirm`).fill(`${name}-renamed`);
  await confirm.click();
  await expect(page).toHaveURL(/\/settings\/service-accounts$/);
  await expect(page.getByRole("link", { name: `${name}-renamed` })).toHaveCount(0);
  await script.dispose();
  expect(problems).toEqual([]);
});

test("refresh shows the new secret once; delete all tokens says how many", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name: unique("rot"), role: "editor" });
  const first = await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "deploy" });
  await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "backup" });
  const script = await request.newContext({ baseURL });
  const status = async (secret: string) =>
    (await script.post("/api/v1/auth/whoami", { headers: { Authorization: `Bearer ${secret}` }, data: {} })).status();

  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);
  await page.getByRole("button", { name: "Refresh deploy" }).click();
  const refresh = page.getByRole("dialog", { name: "Refresh token" });
  await refresh.getByLabel("Old secret keeps working for").selectOption("3600");
  await refresh.getByRole("button", { name: "Refresh token" }).click();
  const shown = page.getByRole("dialog", { name: "Copy your new token" });
  await expect(shown.getByText("This token will not be shown again")).toBeVisible();
  const fresh = await shown.getByLabel("Token deploy").inputValue();
  expect(fresh).toMatch(/^stw_/);
  expect(fresh).not.toBe(first.secret);
  expect(await status(fresh)).toBe(200);
  expect(await status(first.secret)).toBe(200); // within the grace period
  await shown.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  expect(await page.content()).not.toContain(fresh);

  await page.getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Delete all tokens" }).click();
  const all = page.getByRole("dialog", { name: "Delete all tokens" });
  await expect(all).toContainText("Revoke all 2 tokens");
  await all.getByRole("button", { name: "Delete 2 tokens" }).click();
  await expect(page.getByText("No tokens yet")).toBeVisible();
  expect(await status(fresh)).toBe(401);
  expect(await status(first.secret)).toBe(401);
  await script.dispose();
  expect(problems).toEqual([]);
});

test("expiration choices follow the organization's maximum lifetime", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name: unique("exp"), role: "viewer" });
  try {
    // Without a limit: presets, a date, and Never.
    await page.goto(`/settings/service-accounts/${service_account.id}`);
    await hydrated(page);
    await page.getByRole("button", { name: "Add API token" }).click();
    let add = page.getByRole("dialog", { name: "Add API token" });
    const options = () => add.getByLabel("Expiration").locator("option").allTextContents();
    expect(await options()).toEqual(["7 days", "30 days", "60 days", "90 days", "365 days", "A date", "Never"]);
    await add.getByLabel("Name").fill("dated");
    await add.getByLabel("Expiration").selectOption("date");
    const inTenDays = new Date(Date.now() + 10 * 86400_000).toISOString().slice(0, 10);
    await add.getByLabel("Expires on").fill(inTenDays);
    await add.getByRole("button", { name: "Create token" }).click();
    await page.getByRole("dialog", { name: "Copy your new token" }).getByRole("button", { name: "Done" }).click();
    await expect(page.getByRole("row", { name: /dated/ })).toContainText(inTenDays);

    // An admin sets a maximum of 60 days.
    await page.getByRole("link", { name: "Organization" }).click();
    await expect(page.getByRole("heading", { name: "Organization" })).toBeVisible();
    await hydrated(page);
    await page.getByLabel("Maximum token lifetime (days)").fill("0");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("alert")).toContainText("from 1 to");
    await page.getByLabel("Maximum token lifetime (days)").fill("60");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();

    await page.goto(`/settings/service-accounts/${service_account.id}`);
    await hydrated(page);
    await page.getByRole("button", { name: "Add API token" }).click();
    add = page.getByRole("dialog", { name: "Add API token" });
    expect(await options()).toEqual(["7 days", "30 days", "60 days", "A date"]);
    await expect(add.getByText("at most 60 days")).toBeVisible();
    // A date beyond the limit is refused next to the field.
    await add.getByLabel("Name").fill("too-long");
    await add.getByLabel("Expiration").selectOption("date");
    await add.getByLabel("Expires on").fill(new Date(Date.now() + 200 * 86400_000).toISOString().slice(0, 10));
    await add.getByRole("button", { name: "Create token" }).click();
    await expect(add.getByRole("alert")).toContainText("beyond");
    // The server refuses it too (a script cannot bypass the form).
    const res = await page.request.post("/api/v1/tokens/create", {
      data: { service_account_id: service_account.id, name: "scripted", never_expires: true },
      headers: { Origin: new URL(page.url()).origin },
    });
    expect(res.status()).toBe(422);
    expect((await res.json()).error.field).toBe("expires_in_days");
  } finally {
    await api(page, "/api/v1/settings/update", { max_token_lifetime_days: null });
  }
  expect(problems).toEqual([]);
});

test("the audit log filters and exports what it shows", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("audited");
  await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await hydrated(page);
  await expect(page.getByRole("cell", { name: "auth.sign_in" }).first()).toBeVisible();
  await page.getByLabel("Target").fill(name);
  await page.getByRole("button", { name: "Apply filter" }).click();
  await expect(page.getByText(/· 1 event$/)).toBeVisible();
  const rows = page.getByRole("row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("service_account.create");
  await expect(rows.nth(1)).toContainText("Ada Admin");

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(csv.suggestedFilename()).toBe("steward-audit.csv");
  const lines = (await readFile(await csv.path(), "utf8")).trim().split("\n");
  expect(lines[0]).toContain("actor_name");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(name);

  const [jsonl] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export JSON Lines" }).click()]);
  const events = (await readFile(await jsonl.path(), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ action: "service_account.create", target_name: name, outcome: "success" });

  await page.getByLabel("Target").fill("no-such-thing-anywhere");
  await page.getByRole("button", { name: "Apply filter" }).click();
  await expect(page.getByText("No events match this filter.")).toBeVisible();
  expect(problems).toEqual([]);
});

test("the list searches as you type, filters by role and status, and sorts", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const tag = unique("lst");
  await api(page, "/api/v1/service-accounts/create", { name: `${tag}-alpha`, role: "viewer" });
  await api(page, "/api/v1/service-accounts/create", { name: `${tag}-beta`, role: "editor" });
  const gamma = await api(page, "/api/v1/service-accounts/create", { name: `${tag}-gamma`, role: "editor" });
  await api(page, "/api/v1/service-accounts/disable", { id: gamma.service_account.id });
  await page.reload();
  await hydrated(page);

  await page.getByLabel("Search by name").pressSequentially(tag);
  const names = page.locator("tbody tr td:first-child a");
  await expect(names).toHaveText([`${tag}-alpha`, `${tag}-beta`, `${tag}-gamma`]);
  await page.getByLabel("Role").selectOption("editor");
  await expect(names).toHaveText([`${tag}-beta`, `${tag}-gamma`]);
  await page.getByLabel("Status").selectOption("active");
  await expect(names).toHaveText([`${tag}-beta`]);
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Sort by").selectOption("-name");
  await expect(names).toHaveText([`${tag}-gamma`, `${tag}-beta`]);
  await expect(page.getByRole("row", { name: new RegExp(`${tag}-gamma`) })).toContainText("Disabled");
  await page.getByLabel("Search by name").fill(`${tag}-nothing`);
  await expect(page.getByText("No service accounts match this search.")).toBeVisible();
  expect(problems).toEqual([]);
});
