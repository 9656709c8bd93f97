import { test, expect } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";

test("a custom role, bound through a group in a workspace, shows in the account's effective access", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await signedIn(page);
  const suffix = unique("x").slice(2);
  const permission = `deploy-${suffix}:production`;
  const roleName = `deployment-${suffix}`;
  const workspace = `prod-${suffix}`;
  const groupName = `deployers-${suffix}`;
  const account = `deployer-${suffix}`;

  // Roles: declare an application permission, then a role holding it.
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Roles" }).click();
  await expect(page.getByRole("heading", { name: "Roles", level: 1 })).toBeVisible();
  await hydrated(page);
  await page.getByRole("button", { name: "Declare permission" }).click();
  const declare = page.getByRole("dialog", { name: "Declare permission" });
  await expect(declare.getByLabel("Permission")).toBeFocused();
  await declare.getByLabel("Permission").fill("no-colon");
  await declare.getByRole("button", { name: "Declare" }).click();
  await expect(declare.getByRole("alert")).toContainText("resource:action");
  await declare.getByLabel("Permission").fill(permission);
  await declare.getByLabel("Description").fill("Ship to production");
  await declare.getByRole("button", { name: "Declare" }).click();
  await expect(declare).toBeHidden();
  await expect(page.getByText(permission)).toBeVisible();

  await page.getByRole("button", { name: "New role" }).click();
  const roleForm = page.getByRole("dialog", { name: "New role" });
  await roleForm.getByLabel("Name").fill(roleName);
  await roleForm.getByLabel("Description").fill("Deploys releases");
  await roleForm.getByRole("checkbox", { name: new RegExp(permission) }).check();
  await roleForm.getByRole("button", { name: "Create role" }).click();
  await expect(roleForm).toBeHidden();
  await expect(page.getByRole("row", { name: new RegExp(roleName) })).toContainText(permission);
  await page.screenshot({ path: "test-results/roles.png", fullPage: true });

  // Workspaces: a new one.
  await page.getByRole("link", { name: "Workspaces" }).click();
  await hydrated(page);
  await page.getByRole("button", { name: "New workspace" }).click();
  const wsForm = page.getByRole("dialog", { name: "New workspace" });
  await wsForm.getByLabel("Name").fill(workspace);
  await wsForm.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("row", { name: new RegExp(workspace) })).toBeVisible();

  // Groups: add the account, grant the role in the workspace.
  await api(page, "/api/v1/service-accounts/create", { name: account, role: "viewer" });
  await page.getByRole("link", { name: "Groups" }).click();
  await hydrated(page);
  await page.getByRole("button", { name: "New group" }).click();
  const groupForm = page.getByRole("dialog", { name: "New group" });
  await groupForm.getByLabel("Name").fill(groupName);
  await groupForm.getByRole("button", { name: "Create group" }).click();
  const row = page.getByRole("row", { name: new RegExp(groupName) });
  await expect(row).toBeVisible();
  await page.getByRole("button", { name: `Add members to ${groupName}` }).click();
  const add = page.getByRole("dialog", { name: `Add members to ${groupName}` });
  await add.getByLabel("Search").fill(account);
  await add.getByRole("checkbox", { name: new RegExp(account) }).check();
  await add.getByRole("button", { name: "Add" }).click();
  await expect(add).toBeHidden();
  await expect(row).toContainText(account);
  await page.getByRole("button", { name: `Grant a role to ${groupName}` }).click();
  const grant = page.getByRole("dialog", { name: `Grant a role to ${groupName}` });
  await grant.getByLabel("Role").selectOption({ label: roleName });
  await grant.getByLabel("Where").selectOption({ label: `Workspace ${workspace}` });
  await grant.getByRole("button", { name: "Grant" }).click();
  await expect(grant).toBeHidden();
  await expect(row).toContainText(`${roleName} in ${workspace}`);
  await page.screenshot({ path: "test-results/groups.png", fullPage: true });

  // The account's page: its group, and why it may deploy in that workspace only.
  await page.getByRole("link", { name: "Service accounts" }).first().click();
  await hydrated(page);
  await page.getByLabel("Search by name").fill(account);
  await page.getByRole("link", { name: account }).click();
  await expect(page.getByRole("heading", { name: account, level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: groupName })).toBeVisible();
  const access = page.getByRole("table", { name: "Effective access" });
  const deployRow = access.getByRole("row", { name: new RegExp(permission) });
  await expect(deployRow).toContainText(`Workspace ${workspace}`);
  await expect(deployRow).toContainText(`role ${roleName} via group ${groupName}`);
  await expect(access.getByRole("row", { name: /service_accounts:read/ })).toContainText("Organization-wide");
  await page.screenshot({ path: "test-results/account-access.png", fullPage: true });

  // Manage roles: give it the custom role organization-wide, then it deploys everywhere.
  await hydrated(page);
  await page.getByRole("button", { name: "Manage roles" }).click();
  const manage = page.getByRole("dialog", { name: `Manage roles of ${account}` });
  await manage.getByRole("checkbox", { name: new RegExp(roleName) }).check();
  await manage.getByRole("button", { name: "Update" }).click();
  await expect(manage).toBeHidden();
  await expect(access.getByRole("row", { name: new RegExp(`${permission}.*Organization-wide`) })).toBeVisible();
  expect(problems).toEqual([]);
});
