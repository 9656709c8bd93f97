import { test, expect, request } from "@playwright/test";
import { api, appPages, hydrated, signIn, signedIn, unique, watchConsole, ADMIN_EMAIL, ADMIN_PASSWORD } from "./helpers";

test("the pagers of Service accounts and Audit log reach page 2 and back", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await signedIn(page);
  const prefix = unique("pg");
  for (let batch = 0; batch < 60; batch += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(page, "/api/v1/service-accounts/create", { name: `${prefix}-${String(batch + i).padStart(2, "0")}`, role: "viewer" }),
      ),
    );
  }
  await page.reload();
  await hydrated(page);
  // The search applies once typing pauses; wait for it, or a click could race it.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/service-accounts/list") && (r.request().postData() ?? "").includes(prefix)),
    page.getByLabel("Search by name").fill(prefix),
  ]);
  await expect(page.getByText("Page 1 of 2 · 60 accounts")).toBeVisible();
  const next = page.getByRole("button", { name: "Next", exact: true });
  const previous = page.getByRole("button", { name: "Previous", exact: true });
  await expect(next).toHaveText("Next");
  await expect(previous).toBeDisabled();
  await next.click();
  await expect(page.getByText("Page 2 of 2 · 60 accounts")).toBeVisible();
  await expect(page.getByRole("link", { name: `${prefix}-59` })).toBeVisible();
  await expect(page.getByRole("link", { name: `${prefix}-00` })).toHaveCount(0);
  await expect(next).toBeDisabled();
  await previous.click();
  await expect(page.getByText("Page 1 of 2 · 60 accounts")).toBeVisible();
  await expect(page.getByRole("link", { name: `${prefix}-00` })).toBeVisible();

  await page.getByRole("link", { name: "Audit log" }).click();
  // The audit page's code loads on the first visit; the list page stays until it is there.
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await page.getByLabel("Action").fill("service_account.create");
  await page.getByRole("button", { name: "Apply filter" }).click();
  await expect(page.getByText(/Page 1 of [2-9]/)).toBeVisible();
  const auditNext = page.getByRole("button", { name: "Next", exact: true });
  await expect(auditNext).toHaveText("Next");
  await auditNext.click();
  await expect(page.getByText(/Page 2 of [2-9]/)).toBeVisible();
  await page.getByRole("button", { name: "Previous", exact: true }).click();
  await expect(page.getByText(/Page 1 of [2-9]/)).toBeVisible();
  expect(problems).toEqual([]);
});

test("dialogs take the focus, keep it inside, close with Escape and give it back", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const opener = page.getByRole("button", { name: "New service account" });
  await opener.click();
  const form = page.getByRole("dialog", { name: "New service account" });
  await expect(form.getByLabel("Name")).toBeFocused();
  // Shift+Tab from the first field wraps to the dialog's last control, not the page behind.
  await page.keyboard.press("Shift+Tab");
  const focusedInside = await form.evaluate((d) => d.contains(document.activeElement));
  expect(focusedInside).toBe(true);
  await page.keyboard.press("Tab");
  await expect(form.getByLabel("Name")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(form).toBeHidden();
  await expect(opener).toBeFocused();

  const name = unique("focus");
  const created = await api(page, "/api/v1/service-accounts/create", { name, role: "viewer" });
  await page.goto(`/settings/service-accounts/${created.service_account.id}`);
  await hydrated(page);
  const add = page.getByRole("button", { name: "Add API token" });
  await add.click();
  const tokenForm = page.getByRole("dialog", { name: "Add API token" });
  await expect(tokenForm.getByLabel("Name")).toBeFocused();
  // Escape works wherever the focus is, even after clicking the dialog's background.
  await tokenForm.getByRole("heading").click();
  await page.keyboard.press("Escape");
  await expect(tokenForm).toBeHidden();
  await expect(add).toBeFocused();
  expect(problems).toEqual([]);
});

test("at 375 px no page scrolls sideways", async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 375, height: 800 });
  await signedIn(page);
  await api(page, "/api/v1/service-accounts/create", {
    name: unique("a-rather-long-service-account-name"),
    description: "Nightly backups of the production database to object storage",
    role: "viewer",
  });
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("table")).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/narrow-list.png" });
  // Every other page too.
  const { items } = await api(page, "/api/v1/service-accounts/list", { per_page: 1 });
  for (const path of appPages(items[0].id)) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(wide, `${path} scrolls sideways by ${wide}px`).toBeLessThanOrEqual(0);
  }
  expect(problems).toEqual([]);
});

test("what is typed before the page's code loads is kept", async ({ page }) => {
  const problems = watchConsole(page);
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/pkg/*.wasm", async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto("/login", { waitUntil: "domcontentloaded" });
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  release();
  await hydrated(page);
  await expect(page.getByLabel("Email")).toHaveValue(ADMIN_EMAIL);
  await expect(page.getByLabel("Password")).toHaveValue(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  expect(problems).toEqual([]);
});

test("after sign-in, a next parameter that leaves the site is ignored", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  for (const next of ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example/"]) {
    await page.context().clearCookies();
    await page.goto(`/login?next=${next}`);
    await signIn(page);
    await expect(page).toHaveURL(`${baseURL}/settings/service-accounts`);
  }
  await page.context().clearCookies();
  await page.goto("/login?next=%2Fsettings%2Faudit-log");
  await signIn(page);
  await expect(page).toHaveURL(`${baseURL}/settings/audit-log`);
  expect(problems).toEqual([]);
});

test("a token minted by an editor shows as capped after its account is promoted", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const email = `${unique("ed")}@acme.test`;
  const invitation = await api(page, "/api/v1/members/invite", { email, name: "Eddie Editor", role: "editor" });
  const token = new URL(invitation.setup_url).searchParams.get("invite");
  const editor = await request.newContext({ baseURL, extraHTTPHeaders: { Origin: baseURL! } });
  const accepted = await editor.post("/api/v1/setup/accept-invite", { data: { token, password: "eddies long password" } });
  expect(accepted.ok()).toBeTruthy();
  const name = unique("capped");
  const account = await (await editor.post("/api/v1/service-accounts/create", { data: { name, role: "editor" } })).json();
  const id = account.service_account.id;
  expect((await editor.post("/api/v1/tokens/create", { data: { service_account_id: id, name: "from-editor" } })).ok()).toBeTruthy();
  await editor.dispose();

  await api(page, "/api/v1/service-accounts/update", { id, role: "admin" });
  await page.goto(`/settings/service-accounts/${id}`);
  await hydrated(page);
  const row = page.getByRole("row", { name: /from-editor/ });
  await expect(row.getByText("capped at editor")).toBeVisible();
  expect(problems).toEqual([]);
});
