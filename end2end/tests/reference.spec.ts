import { test, expect } from "@playwright/test";
import { signedIn } from "./helpers";

test("the API reference opens from the header and lists every operation with what it needs", async ({ page }) => {
  await signedIn(page);
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Steward API reference" })).toBeVisible();

  const nav = page.getByRole("navigation", { name: "Operations" });
  await nav.getByRole("link", { name: "POST tokens/create" }).click();
  const create = page.getByRole("region", { name: "POST /api/v1/tokens/create" });
  await expect(create).toBeInViewport();
  await expect(create).toContainText("Needs tokens:write organization-wide");
  await expect(create.getByRole("cell", { name: "service_account_id required" })).toBeVisible();
  await expect(create.getByText('"expires_in_days": 90')).toBeVisible();

  // A named answer links to its schema.
  await create.getByRole("link", { name: "IssuedTokenResponse" }).click();
  await expect(page.getByRole("region", { name: "IssuedTokenResponse" })).toBeInViewport();
  await page.screenshot({ path: "test-results/api-reference.png" });

  const doc = await page.request.get("/api/v1/openapi.json");
  expect(doc.ok()).toBeTruthy();
  expect((await doc.json()).openapi).toBe("3.1.0");

  await page.getByRole("link", { name: "Back to Steward" }).click();
  await expect(page.getByRole("heading", { name: "Service accounts" })).toBeVisible();
});
