import { test, expect, request } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

// Guards from the account page: default guards for new tokens, a token made with them (and a
// use limit), the limit refusing a script, then the token's guards changed.
test("default guards, a token with max uses, and its guards changed", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("guarded");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);

  // The account's defaults; a bad range is refused next to its field.
  await page.getByRole("button", { name: "Default guards" }).click();
  const defaults = page.getByRole("dialog", { name: "Default guards for new tokens" });
  await defaults.getByLabel("Allowed networks").fill("10.0.0.0/33");
  await defaults.getByRole("button", { name: "Save default guards" }).click();
  await expect(defaults.getByText("'10.0.0.0/33' is not an IP address or a CIDR range")).toBeVisible();
  await defaults.getByLabel("Allowed networks").fill("10.0.0.0/8\n127.0.0.0/8");
  await defaults.getByRole("button", { name: "Save default guards" }).click();
  await expect(defaults).toBeHidden();
  await expect(page.locator("dl")).toContainText("networks 10.0.0.0/8, 127.0.0.0/8");

  // A new token starts with them; this one may also be used twice.
  await page.getByRole("button", { name: "Add API token" }).click();
  const add = page.getByRole("dialog", { name: "Add API token" });
  await add.getByLabel("Name").fill("twice");
  await expect(add.getByLabel("Allowed networks")).toHaveValue("10.0.0.0/8\n127.0.0.0/8");
  await add.getByLabel("Max uses").fill("two");
  await add.getByRole("button", { name: "Create token" }).click();
  await expect(add.getByText("Max uses must be a whole number.")).toBeVisible();
  await add.getByLabel("Max uses").fill("2");
  await add.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByRole("dialog", { name: "Copy your new token" });
  const secret = await shown.getByLabel("Token twice").inputValue();
  await shown.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("row", { name: /twice/ });
  await expect(row).toContainText("from 10.0.0.0/8, 127.0.0.0/8 · 0 of 2 uses");

  // A script gets its two uses, then is told why it is refused.
  const script = await request.newContext({ baseURL });
  const whoami = () =>
    script.post("/api/v1/auth/whoami", { headers: { Authorization: `Bearer ${secret}` }, data: {} });
  expect((await whoami()).status()).toBe(200);
  expect((await whoami()).status()).toBe(200);
  const refused = await whoami();
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe("uses_exhausted");

  // More uses, from anywhere.
  await page.reload();
  await hydrated(page);
  await expect(row).toContainText("2 of 2 uses");
  await page.getByRole("button", { name: "Guards of twice" }).click();
  const edit = page.getByRole("dialog", { name: "Guards of twice" });
  await edit.getByLabel("Allowed networks").fill("");
  await edit.getByLabel("Max uses").fill("5");
  await edit.getByRole("button", { name: "Save guards" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("2 of 5 uses");
  await expect(row).not.toContainText("from 10.0.0.0/8");
  expect((await whoami()).status()).toBe(200);
  await page.screenshot({ path: "test-results/token-guards.png", fullPage: true });
  expect(problems).toEqual([]);
});

// A leak report suspends the token; the account's page says where it was found and restores it.
test("a token reported leaked shows the report and is restored", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("leaky");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  const { secret } = await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "deploy" });
  const anyone = await request.newContext({ baseURL });
  const found = "https://github.com/acme/api/blob/3f1c/deploy.sh";
  const report = await anyone.post("/api/v1/tokens/report-leak", {
    data: [{ token: secret, type: "steward_api_token", url: found, source: "content" }],
  });
  expect(report.status()).toBe(200);
  expect((await report.json())[0].label).toBe("true_positive");
  const whoami = () =>
    anyone.post("/api/v1/auth/whoami", { headers: { Authorization: `Bearer ${secret}` }, data: {} });
  expect((await whoami()).status()).toBe(401);

  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);
  const row = page.getByRole("row", { name: /deploy/ });
  await expect(row).toContainText("Reported leaked");
  await expect(row).toContainText(`from ${found}`);
  await page.screenshot({ path: "test-results/token-leaked.png", fullPage: true });
  await page.getByRole("button", { name: "Restore deploy" }).click();
  const confirm = page.getByRole("dialog", { name: "Restore token" });
  await expect(confirm).toContainText("only if the report was wrong");
  await confirm.getByRole("button", { name: "Restore token" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).not.toContainText("Reported leaked");
  expect((await whoami()).status()).toBe(200);
  expect(problems).toEqual([]);
});

// Guards tried in report-only mode: requests from outside the proposed network still work and
// are counted on the account's page; Enforce makes the guard refuse them.
test("a report-only network guard shows what it would refuse, then is enforced", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("trying");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  const { secret } = await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "deploy" });
  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);

  await page.getByRole("button", { name: "Guards of deploy" }).click();
  const edit = page.getByRole("dialog", { name: "Guards of deploy" });
  await edit.getByLabel("Allowed networks").fill("203.0.113.0/24");
  await edit.getByLabel(/Report only/).check();
  await edit.getByRole("button", { name: "Save guards" }).click();
  await expect(edit).toBeHidden();
  const card = page.getByRole("article", { name: "Report-only guards of deploy" });
  await expect(card).toContainText("networks 203.0.113.0/24");
  await expect(page.getByRole("row", { name: /deploy/ })).toContainText("report-only: networks 203.0.113.0/24");

  // A script behind this host's proxy, from inside and outside the proposed network.
  const script = await request.newContext({ baseURL });
  const whoamiFrom = (address: string) =>
    script.post("/api/v1/auth/whoami", {
      headers: { Authorization: `Bearer ${secret}`, "X-Forwarded-For": address },
      data: {},
    });
  expect((await whoamiFrom("203.0.113.9")).status()).toBe(200);
  expect((await whoamiFrom("198.51.100.1")).status()).toBe(200);
  expect((await whoamiFrom("198.51.100.1")).status()).toBe(200);

  // Counted within the usage flush (a second in this suite).
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(card).toContainText("Would have refused 2 requests from 1 address in the last day.", { timeout: 1000 });
  }).toPass();
  const offenders = card.getByRole("table", { name: /Would have refused most/ });
  await expect(offenders.getByRole("row", { name: /198\.51\.100\.1/ })).toContainText("Address not allowed");
  await page.screenshot({ path: "test-results/report-only-guards.png", fullPage: true });

  await card.getByRole("button", { name: "Enforce the report-only guards of deploy" }).click();
  await expect(page.getByRole("status")).toContainText("Enforced the report-only guards of deploy.");
  await expect(card).toBeHidden();
  await expect(page.getByRole("row", { name: /deploy/ })).toContainText("from 203.0.113.0/24");
  const refused = await whoamiFrom("198.51.100.1");
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe("network_not_allowed");
  expect((await whoamiFrom("203.0.113.9")).status()).toBe(200);
  expect(problems).toEqual([]);
});

// The report-only part of the Guards dialog also tries fewer scopes and an earlier expiry;
// Discard drops what was tried and leaves the token as it was.
test("a report-only narrowing is proposed from the Guards dialog, then discarded", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("narrowing");
  const { service_account } = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  await api(page, "/api/v1/tokens/create", { service_account_id: service_account.id, name: "reports" });
  await page.goto(`/settings/service-accounts/${service_account.id}`);
  await hydrated(page);

  await page.getByRole("button", { name: "Guards of reports" }).click();
  const edit = page.getByRole("dialog", { name: "Guards of reports" });
  await edit.getByLabel(/Report only/).check();
  await edit.getByRole("group", { name: "Scopes it would keep" }).getByLabel("write").uncheck();
  await edit.getByLabel("Earlier expiry (days from now)").fill("40");
  await edit.getByRole("button", { name: "Save guards" }).click();
  await expect(edit.getByText("already expires at")).toBeVisible();
  await edit.getByLabel("Earlier expiry (days from now)").fill("3");
  await edit.screenshot({ path: "test-results/report-only-dialog.png" });
  await edit.getByRole("button", { name: "Save guards" }).click();
  await expect(edit).toBeHidden();
  const card = page.getByRole("article", { name: "Report-only guards of reports" });
  await expect(card).toContainText("scopes read; expires");
  await expect(page.getByRole("status")).toContainText("Trying the changes to reports report-only: nothing is refused yet.");
  await expect(card).toContainText("Would have refused no request in the last day.");
  await page.screenshot({ path: "test-results/report-only-narrowing.png", fullPage: true });

  await card.getByRole("button", { name: "Discard the report-only guards of reports" }).click();
  await expect(page.getByRole("status")).toContainText("Discarded the report-only guards of reports.");
  await expect(card).toBeHidden();
  await expect(page.getByRole("row", { name: /reports/ })).toContainText("read, write");
  expect(problems).toEqual([]);
});
