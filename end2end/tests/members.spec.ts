import { test, expect } from "@playwright/test";
import { hydrated, signedIn, signIn, unique, watchConsole } from "./helpers";

test("an admin adds a member who sets a password, changes it, gets a new role, and is disabled", async ({ page, browser }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const email = `${unique("dev")}@acme.test`;

  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Add member" }).click();
  const add = page.getByRole("dialog", { name: "Add member" });
  // The shared rules answer in the browser, before any request.
  let invites = 0;
  page.on("request", (r) => {
    if (r.url().endsWith("/api/v1/members/invite")) invites += 1;
  });
  await add.getByLabel("Email").fill("not an email");
  await add.getByLabel("Name").fill("Dev Eloper");
  await add.getByRole("button", { name: "Add member" }).click();
  await expect(add.getByRole("alert")).toContainText("email address");
  expect(invites).toBe(0);
  await add.getByLabel("Email").fill(email);
  await add.getByLabel("Role").selectOption("editor");
  await add.getByRole("button", { name: "Add member" }).click();
  const added = page.getByRole("dialog", { name: "Member added" });
  const link = await added.getByLabel("Setup link").inputValue();
  expect(link).toContain("/setup?invite=");
  await added.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("Active");

  // The new member, in their own browser.
  const theirs = await browser.newContext();
  const dev = await theirs.newPage();
  const devProblems = watchConsole(dev);
  await dev.goto(link);
  await expect(dev.getByText("Welcome, Dev Eloper")).toBeVisible();
  await hydrated(dev);
  await dev.getByLabel("Password").fill("a long enough password");
  await dev.getByRole("button", { name: "Set password" }).click();
  await expect(dev.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await expect(dev.getByRole("link", { name: "Members" })).toHaveCount(0);

  // They change their own password.
  await hydrated(dev);
  await dev.getByRole("link", { name: "Dev Eloper" }).click();
  await expect(dev.getByRole("heading", { name: "Your account" })).toBeVisible();
  await dev.getByLabel("Current password").fill("wrong password here");
  await dev.getByLabel("New password", { exact: true }).fill("an even longer password");
  await dev.getByRole("button", { name: "Change password" }).click();
  await expect(dev.getByRole("alert")).toContainText("not correct");
  await dev.getByLabel("Current password").fill("a long enough password");
  await dev.getByRole("button", { name: "Change password" }).click();
  await expect(dev.getByText("Password changed.")).toBeVisible();

  // The admin makes them a viewer, then disables them: each time their session ends at once.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/members/update")),
    page.getByRole("combobox", { name: `Role of ${email}` }).selectOption("viewer"),
  ]);
  await expect(page.getByRole("combobox", { name: `Role of ${email}` })).toHaveValue("viewer");
  // A lower role ends their session; signed in again as a viewer they can look but are
  // offered nothing they may not do.
  await dev.goto("/settings/service-accounts");
  await expect(dev).toHaveURL(/\/login/);
  await signIn(dev, email, "an even longer password");
  await expect(dev.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await hydrated(dev);
  await expect(dev.getByRole("button", { name: "New service account" })).toHaveCount(0);
  await page.getByRole("button", { name: `Disable ${email}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("Disabled");
  await dev.goto("/settings/service-accounts");
  await expect(dev).toHaveURL(/\/login/);
  await hydrated(dev);
  await signIn(dev, email, "an even longer password");
  await expect(dev.getByRole("alert")).toContainText("Incorrect email or password");

  // The last admin cannot be demoted.
  await page.getByRole("combobox", { name: "Role of admin@acme.test" }).selectOption("editor");
  await expect(page.getByRole("alert")).toContainText("last admin");
  await expect(page.getByRole("combobox", { name: "Role of admin@acme.test" })).toHaveValue("admin");
  await theirs.close();
  expect(problems).toEqual([]);
  expect(devProblems).toEqual([]);
});
