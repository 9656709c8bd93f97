import { test, expect } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

// The exchange itself needs an identity token issuer over https; the integration tests start
// one (server/tests/integration/token_exchange.rs). Here: the page a person uses to set it up.
test("a GitHub Actions trust relationship is added from its template and removed", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("keyless");
  const created = await api(page, "/api/v1/service-accounts/create", { name, role: "editor" });
  const id = created.service_account.id;

  await page.goto(`/settings/service-accounts/${id}`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Trust relationships" })).toBeVisible();
  await expect(page.getByText("No trust relationships.")).toBeVisible();

  await page.getByRole("button", { name: "Add trust relationship" }).click();
  const dialog = page.getByRole("dialog", { name: "Add trust relationship" });
  await dialog.getByLabel("Template").selectOption({ label: "GitHub Actions" });
  await expect(dialog.getByLabel("Issuer")).toHaveValue("https://token.actions.githubusercontent.com");
  await expect(dialog.getByLabel("Conditions")).toHaveValue(/repository = acme\/api/);
  // A bad value is refused next to its field.
  await dialog.getByLabel("Conditions").fill("aud = steward");
  await dialog.getByLabel("Audience").fill("https://steward.acme.test");
  await dialog.getByRole("button", { name: "Add" }).click();
  await expect(dialog.getByText("checked by the policy itself")).toBeVisible();
  await dialog.getByLabel("Conditions").fill("repository = acme/api\nref ~ refs/heads/release-*");
  await dialog.getByRole("button", { name: "Add" }).click();
  await expect(dialog).toBeHidden();

  const table = page.getByRole("table", { name: "Trust relationships" });
  await expect(table).toContainText("https://token.actions.githubusercontent.com");
  await expect(table).toContainText("repository = acme/api");
  await expect(table).toContainText("ref ~ refs/heads/release-*");
  await expect(table).toContainText("15 min");
  await expect(table).toContainText("Never");
  await page.screenshot({ path: "test-results/trust-relationships.png", fullPage: true });

  // The list marks the account keyless.
  await page.goto("/settings/service-accounts");
  await hydrated(page);
  await page.getByLabel("Search by name").fill(name);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText("· 1 account");
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("keyless");
  await page.goto(`/settings/service-accounts/${id}`);
  await hydrated(page);

  await page.getByRole("button", { name: "Remove trust in https://token.actions.githubusercontent.com" }).click();
  await expect(page.getByText("No trust relationships.")).toBeVisible();
  expect(problems).toEqual([]);
});
