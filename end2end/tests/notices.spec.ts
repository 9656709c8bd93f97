import { test, expect } from "@playwright/test";
import { api, hydrated, signedIn, watchConsole } from "./helpers";

test("an admin sets the expiry webhook with a signing secret, sends a test and reads the log", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  try {
    await page.getByRole("link", { name: "Organization" }).click();
    await hydrated(page);
    await page.getByLabel("Webhook URL").fill("http://example.com/hook");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("alert")).toContainText("https");
    // Nothing listens on port 9: the test reports it instead of failing.
    await page.getByLabel("Webhook URL").fill("http://127.0.0.1:9/steward");
    await page.getByLabel("Signing secret").fill("a shared signing secret");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();
    await expect(page.getByText("A secret is set")).toBeVisible();
    await expect(page.getByLabel("Signing secret")).toHaveValue("");

    await page.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Not delivered" })).toContainText("Not delivered: could not reach the webhook");
    const log = page.getByRole("table", { name: "Delivery log" });
    await expect(log.getByRole("row").nth(1)).toContainText("test");
    await expect(log.getByRole("row").nth(1)).toContainText("failed");
    await page.screenshot({ path: "test-results/organization.png", fullPage: true });
  } finally {
    await api(page, "/api/v1/settings/update", { webhook_url: null, webhook_secret: null });
  }
  expect(problems).toEqual([]);
});
