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
    // This machine is inside the network: the test is refused by policy, and says so.
    await page.getByLabel("Webhook URL").fill("http://127.0.0.1:9/steward/secret-path");
    await page.getByLabel("Signing secret").fill("a shared signing secret");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();
    await expect(page.getByText("A secret is set")).toBeVisible();
    await expect(page.getByLabel("Signing secret")).toHaveValue("");
    // The URL's path is never shown again: only where notices go.
    await expect(page.getByLabel("Webhook URL")).toHaveValue("");
    await expect(page.getByText("Notices go to http://127.0.0.1:9/…")).toBeVisible();
    await page.reload();
    await hydrated(page);
    await expect(page.getByText("Notices go to http://127.0.0.1:9/…")).toBeVisible();
    await expect(page.getByText("secret-path")).toHaveCount(0);

    await page.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Not delivered" })).toContainText("Not delivered: refused by policy");
    const log = page.getByRole("table", { name: "Delivery log" });
    await expect(log.getByRole("row").nth(1)).toContainText("test");
    await expect(log.getByRole("row").nth(1)).toContainText("failed");
    await page.screenshot({ path: "test-results/organization.png", fullPage: true });

    // Removing the webhook asks first, then stops the notices.
    await page.getByRole("button", { name: "Remove webhook" }).click();
    const dialog = page.getByRole("dialog", { name: "Remove the webhook?" });
    await dialog.getByRole("button", { name: "Remove webhook" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText("Where expiry notices go")).toBeVisible();
    await expect(page.getByRole("button", { name: "Remove webhook" })).toHaveCount(0);
  } finally {
    await api(page, "/api/v1/settings/update", { webhook_url: null, webhook_secret: null });
  }
  expect(problems).toEqual([]);
});
