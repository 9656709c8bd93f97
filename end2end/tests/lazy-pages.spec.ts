import { test, expect } from "@playwright/test";
import { hydrated, signIn, watchConsole } from "./helpers";

// Sign-in, setup and the service-account list each have a wasm chunk of their own; every other
// page, and what the list shows only when asked (its dialogs, an expanded row's tokens), is in
// one "rest of the app" bundle, fetched the first time any of it is needed. While a page's code
// loads, the current page stays and a progress bar says the next one is coming.
test("a page's code loads on its first visit, with a progress bar while it does", async ({ page }) => {
  const problems = watchConsole(page);
  const fetched: string[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith(".wasm")) fetched.push(new URL(request.url()).pathname);
  });
  const pageCode = (name: string) => fetched.filter((path) => path.includes(`__${name}_route_view_`));
  const bundle = () => fetched.filter((path) => path.includes("split_rest_of_app_"));

  await page.goto("/login");
  await hydrated(page);
  expect(pageCode("login")).toHaveLength(1);
  expect(pageCode("accounts")).toHaveLength(0);
  expect(bundle()).toHaveLength(0);

  await signIn(page);
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await hydrated(page);
  expect(pageCode("accounts")).toHaveLength(1);
  expect(bundle()).toHaveLength(0);

  // Hold the bundle back a moment, as a slow network would, and open the audit log.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/split_rest_of_app_.*\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("link", { name: "Audit log" }).click();
  const progress = page.getByRole("progressbar", { name: "Loading the page" });
  await expect(progress).toBeVisible();
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  release();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await expect(progress).toHaveCount(0);
  expect(bundle()).toHaveLength(1);

  // The rest of the app is there now: another page of the bundle and a dialog of the list
  // fetch no wasm at all, and nothing is fetched twice.
  const before = fetched.length;
  await page.getByRole("link", { name: "Roles", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Roles", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Service accounts" }).first().click();
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "New service account" }).click();
  await expect(page.getByRole("dialog", { name: "New service account" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  expect(fetched.slice(before)).toEqual([]);
  expect(pageCode("accounts")).toHaveLength(1);
  expect(bundle()).toHaveLength(1);
  expect(problems).toEqual([]);
});
