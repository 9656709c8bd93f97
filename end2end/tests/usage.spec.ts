import { test, expect } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

test("an account's page charts its requests, and the list sorts by the last seven days", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("usage");
  const created = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  const id = created.service_account.id;
  const token = await api(page, "/api/v1/tokens/create", { service_account_id: id, name: "t" });
  for (let i = 0; i < 12; i++) {
    const res = await page.request.post(`${baseURL}/api/v1/auth/whoami`, {
      data: {},
      headers: { Authorization: `Bearer ${token.secret}` },
    });
    expect(res.ok()).toBeTruthy();
  }
  // The test server writes the usage batch every second.
  await expect
    .poll(async () => (await api(page, "/api/v1/service-accounts/usage", { id })).total, { timeout: 10_000 })
    .toBe(12);

  await page.goto(`/settings/service-accounts/${id}`);
  await hydrated(page);
  await expect(page.getByRole("img", { name: "12 requests in the last 30 days" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Requests per token" })).toContainText("t: 12");

  await page.goto("/settings/service-accounts");
  await hydrated(page);
  await page.getByLabel("Sort by").selectOption("-requests");
  const first = page.getByRole("row").nth(1);
  await expect(first).toContainText(name);
  await expect(first.getByRole("cell").nth(4)).toHaveText("12");

  // "Recently used" puts the account whose token was used last at the top.
  await page.getByLabel("Sort by").selectOption({ label: "Recently used" });
  await expect(page.getByRole("row").nth(1)).toContainText(name);
  expect(problems).toEqual([]);
});
