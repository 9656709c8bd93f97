import { test, expect, request } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { hydrated, signIn, watchConsole, ADMIN_PASSWORD } from "./helpers";

test("a signed-out visitor signs in and returns to the page asked for", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/settings/service-accounts");
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel("Email").fill("admin@acme.test");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Incorrect email or password");

  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/service-accounts$/);
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  const header = page.getByRole("banner");
  await expect(header.getByText("Ada Admin")).toBeVisible();
  await expect(header.getByText("acme")).toBeVisible();

  await hydrated(page);
  await header.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/settings/service-accounts");
  await expect(page).toHaveURL(/\/login\?next=/);
  expect(problems).toEqual([]);
});

test("create an account, add a token, copy and download it, use it, revoke it", async ({ page, context, baseURL }) => {
  const problems = watchConsole(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await page.goto("/login");
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await hydrated(page);

  // New service account, with instant validation next to the field.
  await page.getByRole("button", { name: "New service account" }).click();
  const form = page.getByRole("dialog", { name: "New service account" });
  await form.getByLabel("Name").fill("Deploy Bot");
  await expect(form.getByRole("alert")).toContainText("lowercase");
  await form.getByLabel("Name").fill("deploy-bot");
  await expect(form.getByRole("alert")).toHaveCount(0);
  await form.getByLabel("Description").fill("Ships releases from CI");
  await form.getByLabel("Role").selectOption("editor");
  await form.getByRole("button", { name: "Create" }).click();

  // The dialog goes straight on to the account's first token, which can be skipped.
  const first = page.getByRole("dialog", { name: "Add the account's first API token" });
  await expect(first.getByLabel("Name")).toBeFocused();
  await first.getByRole("button", { name: "Skip" }).click();
  await expect(page.getByRole("heading", { name: "deploy-bot", level: 1 })).toBeVisible();
  await expect(page.getByText("Ships releases from CI")).toBeVisible();
  await expect(page.getByText("No tokens yet")).toBeVisible();

  // The server's own errors land next to the field too: the same name again is a conflict.
  await page.getByRole("link", { name: "Service accounts" }).first().click();
  await expect(page.getByRole("link", { name: "deploy-bot" })).toBeVisible();
  await page.getByRole("button", { name: "New service account" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill("deploy-bot");
  await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("dialog").getByRole("alert")).toContainText("already exists");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("link", { name: "deploy-bot" }).click();
  await expect(page.getByRole("heading", { name: "deploy-bot", level: 1 })).toBeVisible();

  // Add API token.
  await page.getByRole("button", { name: "Add API token" }).click();
  const add = page.getByRole("dialog", { name: "Add API token" });
  await add.getByLabel("Name").fill("github-actions");
  await add.getByLabel("Description").fill("release workflow");
  await expect(add.getByLabel("Expiration")).toHaveValue("30");
  await add.getByLabel("Expiration").selectOption("90");
  await expect(add.getByLabel("read")).toBeChecked();
  await expect(add.getByLabel("write")).toBeChecked();
  await add.getByRole("button", { name: "Create token" }).click();

  const shown = page.getByRole("dialog", { name: "Copy your new token" });
  await expect(shown.getByText("This token will not be shown again")).toBeVisible();
  const secret = await shown.getByLabel("Token github-actions").inputValue();
  expect(secret).toMatch(/^stw_[0-9A-Za-z]{38}$/);

  await shown.getByRole("button", { name: "Copy token" }).click();
  await expect(shown.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    shown.getByRole("button", { name: "Download session.json" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("session.json");
  const session = JSON.parse(await readFile(await download.path(), "utf8"));
  expect(session).toEqual({ accessToken: secret, tenantURL: `${baseURL}/`, scopes: ["read", "write"] });

  await shown.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  const row = page.getByRole("row", { name: /github-actions/ });
  await expect(row).toContainText("read, write");
  await expect(row).toContainText("Never");

  // The token works for a script.
  const api = await request.newContext({ baseURL });
  const whoami = () =>
    api.post("/api/v1/auth/whoami", { headers: { Authorization: `Bearer ${secret}` }, data: {} });
  const ok = await whoami();
  expect(ok.status()).toBe(200);
  const principal = (await ok.json()).principal;
  expect(principal.kind).toBe("service_account");
  expect(principal.name).toBe("deploy-bot");

  // Last use shows up once the batch is written.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("row", { name: /github-actions/ })).toContainText("from 127.0.0.1", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await hydrated(page);

  // Revoke, after confirming.
  await page.getByRole("button", { name: "Revoke github-actions" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke token" });
  await expect(confirm).toContainText("cannot be undone");
  await expect(confirm.getByRole("button", { name: "Revoke token" })).toBeDisabled();
  await confirm.getByLabel("Type github-actions to confirm").fill("github-action");
  await expect(confirm.getByRole("button", { name: "Revoke token" })).toBeDisabled();
  await confirm.getByLabel("Type github-actions to confirm").fill("github-actions");
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(page.getByText("No tokens yet")).toBeVisible();

  const refused = await whoami();
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("unauthenticated");
  await api.dispose();
  expect(problems).toEqual([]);
});
