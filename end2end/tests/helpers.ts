import { expect, Page } from "@playwright/test";

export const ADMIN_EMAIL = "admin@acme.test";
export const ADMIN_PASSWORD = "correct horse battery staple";

/**
 * Collects console errors and uncaught exceptions, for a test to assert there were none. The
 * browser's own note about an API answer of 4xx is left out: those answers are expected (a wrong
 * password, a name conflict) and the page shows them to the user.
 */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    const expected4xx = /Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text());
    if (msg.type() === "error" && !expected4xx) problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  return problems;
}

/** The page has hydrated: buttons now run Rust in the browser. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Calls the API with the signed-in page's session, as the page itself would. */
export async function api(page: Page, path: string, data: object): Promise<any> {
  const origin = new URL(page.url()).origin;
  const res = await page.request.post(path, { data, headers: { Origin: origin } });
  expect(res.ok(), `${path}: ${res.status()} ${await res.text()}`).toBeTruthy();
  return res.json();
}

/** Signs in as the administrator and waits until the app is interactive. */
export async function signedIn(page: Page) {
  await page.goto("/login");
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await hydrated(page);
}

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Every page of the signed-in app, with `accountId`'s page standing for an account's page. */
export function appPages(accountId: string): string[] {
  return [
    "/settings/service-accounts",
    "/settings/stale",
    `/settings/service-accounts/${accountId}`,
    "/settings/audit-log",
    "/settings/roles",
    "/settings/groups",
    "/settings/workspaces",
    "/settings/organization",
    "/settings/members",
    "/settings/account",
  ];
}
