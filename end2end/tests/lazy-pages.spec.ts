import { test, expect } from "@playwright/test";
import { hydrated, signIn, watchConsole } from "./helpers";

// Each page's code is its own wasm chunk, fetched on the first visit to that page; while it
// loads, the current page stays and a progress bar says the next one is coming.
test("a page's code loads on its first visit, with a progress bar while it does", async ({ page }) => {
  const problems = watchConsole(page);
  const fetched: string[] = [];
  page.on("request", (request) => {
    if (request.url().endsWith(".wasm")) fetched.push(new URL(request.url()).pathname);
  });
  const pageCode = (name: string) => fetched.filter((path) => path.includes(`__${name}_route_view_`));

  await page.goto("/login");
  await hydrated(page);
  expect(pageCode("login")).toHaveLength(1);
  expect(pageCode("accounts")).toHaveLength(0);
  expect(pageCode("audit")).toHaveLength(0);

  await signIn(page);
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await hydrated(page);
  expect(pageCode("accounts")).toHaveLength(1);
  expect(pageCode("audit")).toHaveLength(0);

  // Hold the audit page's code back a moment, as a slow network would.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/__audit_route_view_.*\.wasm$/, async (route) => {
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
  expect(pageCode("audit")).toHaveLength(1);

  // Back and forth again: the code is there now, nothing is fetched twice.
  await page.getByRole("link", { name: "Service accounts" }).first().click();
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  expect(pageCode("audit")).toHaveLength(1);
  expect(pageCode("accounts")).toHaveLength(1);
  expect(problems).toEqual([]);
});
