import { test, expect, request } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

test("the Stale view lists forgotten credentials; Disable can be undone and Revoke asks first", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("forgotten");
  const created = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  const id = created.service_account.id;
  await api(page, "/api/v1/tokens/create", { service_account_id: id, name: "forever", never_expires: true });
  await api(page, "/api/v1/tokens/create", { service_account_id: id, name: "soon", expires_in_days: 3 });

  await page.getByRole("link", { name: "Stale", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Stale credentials" })).toBeVisible();
  await hydrated(page);

  const accounts = page.getByRole("region", { name: /Service accounts not used for 30 days/ });
  const forever = page.getByRole("region", { name: /Tokens that never expire/ });
  const soon = page.getByRole("region", { name: /Tokens expiring within 7 days/ });
  await expect(accounts.getByRole("row", { name: new RegExp(name) })).toContainText("Never used");
  await expect(forever.getByRole("row", { name: new RegExp(`forever.*${name}`) })).toBeVisible();
  await expect(soon.getByRole("row", { name: new RegExp(`soon.*${name}`) })).toBeVisible();
  await page.screenshot({ path: "test-results/stale.png", fullPage: true });

  // Disable is one click, suspends the tokens, and can be undone.
  await accounts.getByRole("button", { name: `Disable ${name}` }).click();
  await expect(page.getByRole("status")).toContainText(`Disabled ${name}; its tokens are suspended.`);
  await expect(accounts.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
  await expect(forever.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status")).toContainText(`Enabled ${name}.`);
  await expect(accounts.getByRole("row", { name: new RegExp(name) })).toBeVisible();

  // Revoking asks first; the token then leaves the view.
  await forever.getByRole("button", { name: `Revoke forever of ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke token" });
  await expect(dialog).toContainText("cannot be undone");
  await expect(dialog.getByRole("button", { name: "Revoke token" })).toBeDisabled();
  await dialog.getByLabel("Type forever to confirm").fill("forever");
  await dialog.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByRole("status")).toContainText("Revoked forever.");
  await expect(forever.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);

  // The window changes what counts as unused.
  await page.getByRole("combobox", { name: "Not used for" }).selectOption("7");
  await expect(page.getByRole("heading", { name: /Service accounts not used for 7 days/ })).toBeVisible();
  // Keyless replacements need 30 days of exchanges; none here yet, and the view says so.
  const keyless = page.getByRole("region", { name: /Static tokens replaced by keyless exchanges/ });
  await expect(keyless).toContainText("No account that has exchanged identity tokens for 30 days");

  await api(page, "/api/v1/service-accounts/delete", { id });
  expect(problems).toEqual([]);
});

test("a token used from one network gets that network as its allow-list from the Stale view", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("homebody");
  const created = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  const { secret } = await api(page, "/api/v1/tokens/create", { service_account_id: created.service_account.id, name: "local" });
  const script = await request.newContext({ baseURL });
  const whoami = () =>
    script.post("/api/v1/auth/whoami", { headers: { Authorization: `Bearer ${secret}` }, data: {} });
  expect((await whoami()).status()).toBe(200);

  const anywhere = page.getByRole("region", { name: /Tokens usable from anywhere/ });
  const row = anywhere.getByRole("row", { name: new RegExp(`local.*${name}`) });
  // Usage reaches the database with the next flush (every second here).
  await expect(async () => {
    await page.goto("/settings/stale");
    await hydrated(page);
    await expect(row).toContainText("127.0.0.0/24", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await row.getByRole("button", { name: `Allow only these networks for local of ${name}` }).click();
  await expect(page.getByRole("status")).toContainText("local now works only from the networks it was used from.");
  await expect(row).toHaveCount(0);
  expect((await whoami()).status()).toBe(200);
  expect(problems).toEqual([]);
});
