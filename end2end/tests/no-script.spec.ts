import { test, expect, Browser, BrowserContext, Page } from "@playwright/test";
import { spawn, ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import * as path from "node:path";
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, hydrated, signedIn, signIn, unique, watchConsole } from "./helpers";

// Pages whose code is not running (JavaScript off, its files blocked, or not loaded yet): the
// forms still post, in the body, and sign-in, setup, invitations and password changes still
// work; no request URL ever carries a password, a token or a setup or invitation code; and a
// page that needs its code says so when it cannot run.

/** Every URL the context's pages request or navigate to, in order. */
function recordUrls(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on("request", (r) => urls.push(r.url()));
  return urls;
}

/** None of `urls` holds any of `secrets`, raw or percent-encoded (form encoding included). */
function expectNoSecretIn(urls: string[], secrets: string[]) {
  for (const secret of secrets) {
    const forms = [secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, "+")];
    for (const url of urls) {
      for (const form of forms) {
        expect(url.includes(form), `${url} contains a secret`).toBe(false);
      }
    }
  }
}

/** An invited member's one-time link, made by the administrator through the API. */
async function invite(page: Page, name: string): Promise<{ email: string; link: string }> {
  const email = `${unique(name.toLowerCase())}@acme.test`;
  const { setup_url } = await api(page, "/api/v1/members/invite", { email, name, role: "viewer" });
  return { email, link: setup_url };
}

/** A member who has set a password (through the API, as the page's code would). */
async function member(page: Page, browser: Browser, name: string, password: string): Promise<string> {
  const { email, link } = await invite(page, name);
  const secret = new URL(link).searchParams.get("invite");
  const ctx = await browser.newContext();
  const res = await ctx.request.post(`${new URL(link).origin}/api/v1/setup/accept-invite`, {
    data: { token: secret, password },
    headers: { Origin: new URL(link).origin },
  });
  expect(res.ok(), await res.text()).toBeTruthy();
  await ctx.close();
  return email;
}

/** A free loopback port for a server of the test's own. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A second server, on an empty database, so nobody exists yet and it prints a setup link. */
async function emptyServer(): Promise<{ base: string; setupLink: string; stop: () => void }> {
  const root = path.resolve(__dirname, "../..");
  const target = process.env.CARGO_TARGET_DIR ?? path.join(root, "target");
  const bin = process.env.STEWARD_SERVER_BIN ?? path.join(target, "debug", "server");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, ["serve"], {
    env: {
      ...process.env,
      LEPTOS_SITE_ROOT: path.join(root, "target", "site"),
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      STEWARD_PUBLIC_URL: base,
      STEWARD_DATABASE_URL: `sqlite://${path.join(require("node:os").tmpdir(), `steward-setup-${port}-${Date.now()}.db`)}?mode=rwc`,
      STEWARD_SECRET_KEY: "the setup test's own server key, not a real one",
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const setupLink = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no setup link: ${out}`)), 30_000);
    child.stdout!.on("data", (chunk) => {
      out += chunk.toString();
      const link = out.match(/(http:\/\/\S+\/setup\?token=\S+)/);
      if (link && out.includes("Steward is running")) {
        clearTimeout(timer);
        resolve(link[1]);
      }
    });
    child.stderr!.on("data", (chunk) => (out += chunk.toString()));
    child.on("exit", () => reject(new Error(`the server stopped: ${out}`)));
  });
  return { base, setupLink, stop: () => child.kill() };
}

test("with JavaScript off, signing in works and a wrong password shows its error", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const urls = recordUrls(context);
  const page = await context.newPage();
  const wrong = "not the password, surely";
  await page.goto("/login?next=%2Fsettings%2Faudit-log");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(wrong);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Incorrect email or password.");
  await expect(page.getByLabel("Email")).toHaveValue(ADMIN_EMAIL);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await page.screenshot({ path: "test-results/no-script-sign-in-error.png" });
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${baseURL}/settings/audit-log`);
  expectNoSecretIn(urls, [ADMIN_PASSWORD, wrong]);
  await context.close();
});

test("with JavaScript off, the first administrator is set up from the one-time link", async ({ browser }) => {
  const server = await emptyServer();
  try {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.setupLink);
    const urls = recordUrls(context);
    const token = new URL(server.setupLink).searchParams.get("token")!;
    const password = "the first administrator's password";
    await page.getByLabel("Organization name").fill("Initech");
    await page.getByLabel("Organization slug").fill("initech");
    await page.getByLabel("Your name").fill("Peter");
    await page.getByLabel("Email").fill("peter@initech.test");
    await page.getByLabel("Password").fill("too short");
    await page.getByRole("button", { name: "Create administrator" }).click();
    await expect(page.getByText("Password must be at least 12 characters.")).toBeVisible();
    await expect(page.getByLabel("Organization slug")).toHaveValue("initech");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create administrator" }).click();
    await expect(page).toHaveURL(`${server.base}/settings/service-accounts`);
    const me = await context.request.post(`${server.base}/api/v1/auth/whoami`, {
      data: {},
      headers: { Origin: server.base },
    });
    expect((await me.json()).principal.organization.name, "signed in to the new organization").toBe("Initech");
    expectNoSecretIn(urls, [password, "too short", token]);
    await context.close();
  } finally {
    server.stop();
  }
});

test("with JavaScript off, an invited person sets a password, and a password is changed", async ({ page, browser, baseURL }) => {
  await signedIn(page);
  const { email, link } = await invite(page, "Nora");
  const secret = new URL(link).searchParams.get("invite")!;
  const context = await browser.newContext({ javaScriptEnabled: false });
  const nora = await context.newPage();
  await nora.goto(link);
  const urls = recordUrls(context);
  await expect(nora.getByText("Welcome, Nora.")).toBeVisible();
  await nora.getByLabel("Password").fill("short");
  await nora.getByRole("button", { name: "Set password" }).click();
  await expect(nora.getByText("Password must be at least 12 characters.")).toBeVisible();
  const first = "nora's first long password";
  await nora.getByLabel("Password").fill(first);
  await nora.getByRole("button", { name: "Set password" }).click();
  await expect(nora).toHaveURL(`${baseURL}/settings/service-accounts`);

  // Your account › Change password, still without JavaScript.
  await nora.goto("/settings/account");
  const second = "nora's second long password";
  await nora.getByLabel("Current password").fill("not her password at all");
  await nora.getByLabel("New password").fill(second);
  await nora.getByRole("button", { name: "Change password" }).click();
  await expect(nora.getByText("The current password is not correct.")).toBeVisible();
  await nora.getByLabel("Current password").fill(first);
  await nora.getByLabel("New password").fill(second);
  await nora.getByRole("button", { name: "Change password" }).click();
  await expect(nora).toHaveURL(`${baseURL}/settings/account?saved=1`);
  await expect(nora.getByText("Password changed.")).toBeVisible();

  // Signing out is a form too; then the new password signs in.
  await nora.getByRole("button", { name: "Sign out" }).click();
  await expect(nora).toHaveURL(`${baseURL}/login`);
  await nora.getByLabel("Email").fill(email);
  await nora.getByLabel("Password").fill(second);
  await nora.getByRole("button", { name: "Sign in" }).click();
  await expect(nora).toHaveURL(`${baseURL}/settings/service-accounts`);
  expectNoSecretIn(urls, [secret, first, second, "short", "not her password at all"]);
  await context.close();
});

test("no form puts a secret in a URL, with the page's code running, off, or not loaded yet", async ({ page, browser }) => {
  await signedIn(page);
  const password = "a password for every mode";
  const email = await member(page, browser, "Mode", password);
  for (const mode of ["on", "off", "before hydration"] as const) {
    const context = await browser.newContext({ javaScriptEnabled: mode !== "off" });
    const urls = recordUrls(context);
    const person = await context.newPage();
    const problems = watchConsole(person);
    if (mode === "before hydration") {
      // The page's code never arrives: every submission happens before hydration.
      await context.route("**/pkg/*.wasm", () => {});
    }
    await person.goto("/login", { waitUntil: "domcontentloaded" });
    if (mode === "on") await hydrated(person);
    await person.getByLabel("Email").fill(email);
    await person.getByLabel("Password").fill(`${password} (wrong)`);
    await person.getByRole("button", { name: "Sign in" }).click();
    await expect(person.getByText("Incorrect email or password.")).toBeVisible();
    await person.getByLabel("Password").fill(password);
    await person.getByRole("button", { name: "Sign in" }).click();
    await expect(person.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();

    // The password change form: a wrong current password, each time.
    await person.goto("/settings/account", { waitUntil: "domcontentloaded" });
    if (mode === "on") await hydrated(person);
    await person.getByLabel("Current password").fill(`${password} (not it)`);
    await person.getByLabel("New password").fill(`${password} (new one)`);
    await person.getByRole("button", { name: "Change password" }).click();
    await expect(person.getByText("The current password is not correct.")).toBeVisible();

    expectNoSecretIn(urls, [password, `${password} (wrong)`, `${password} (not it)`, `${password} (new one)`]);
    if (mode === "on") expect(problems).toEqual([]);
    await context.close();
  }
});

test("a page whose code cannot run says so, instead of buttons that do nothing", async ({ browser, baseURL }) => {
  // JavaScript off.
  const off = await browser.newContext({ javaScriptEnabled: false });
  const page = await off.newPage();
  await page.goto("/login");
  await expect(page.getByText("This page needs JavaScript")).toBeHidden();
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${baseURL}/settings/service-accounts`);
  const notice = page.getByRole("alert").filter({ hasText: "This page needs JavaScript" });
  await expect(notice).toBeVisible();
  await page.screenshot({ path: "test-results/no-script-notice.png" });
  // It leads to what does work without the page's code.
  await notice.getByRole("link", { name: "Your account" }).click();
  await expect(page.getByRole("heading", { name: "Your account", level: 1 })).toBeVisible();
  await expect(page.getByText("This page needs JavaScript")).toBeHidden();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await off.close();

  // JavaScript on, but the wasm is blocked.
  const blocked = await browser.newContext();
  const signingIn = await blocked.newPage();
  await signingIn.goto("/login");
  await signIn(signingIn);
  await expect(signingIn.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  await signingIn.close();
  await blocked.route("**/pkg/*.wasm", (route) => route.abort());
  const broken = await blocked.newPage();
  await broken.goto("/settings/service-accounts");
  await expect(broken.getByRole("alert").filter({ hasText: "This page needs JavaScript" })).toBeVisible();
  await broken.screenshot({ path: "test-results/wasm-blocked-notice.png" });
  await blocked.unroute("**/pkg/*.wasm");

  // And with everything loading, no notice.
  const fine = await blocked.newPage();
  const problems = watchConsole(fine);
  await fine.goto("/settings/service-accounts");
  await hydrated(fine);
  await expect(fine.getByText("This page needs JavaScript")).toBeHidden();
  expect(problems).toEqual([]);
  await blocked.close();
});

test("at 375 px a row's actions are on screen and its menu opens without scrolling sideways", async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 375, height: 800 });
  await signedIn(page);
  const name = unique("a-rather-long-service-account-name-for-phones");
  await api(page, "/api/v1/service-accounts/create", {
    name,
    description: "Nightly backups of the production database to object storage",
    role: "viewer",
  });
  await page.getByRole("searchbox").fill(name);
  const menu = page.getByRole("button", { name: `Actions for ${name}` });
  await expect(menu).toBeVisible();
  const inView = async (what: ReturnType<Page["getByRole"]>) => {
    const box = (await what.boundingBox())!;
    expect(box.x, "left edge").toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, "right edge").toBeLessThanOrEqual(375);
  };
  await inView(menu);
  await inView(page.getByRole("button", { name: `Add API token to ${name}` }));
  await inView(page.getByRole("button", { name: new RegExp(`0 tokens of ${name}`) }));
  await menu.click();
  const manage = page.getByRole("menuitem", { name: "Manage" });
  await expect(manage).toBeVisible();
  await inView(manage);
  const sideways = await page.evaluate(() => {
    const doc = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    const table = document.querySelector("main table") as HTMLElement;
    return Math.max(doc, table.scrollWidth - table.clientWidth, window.scrollX);
  });
  expect(sideways).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/narrow-list-menu.png", fullPage: true });
  expect(problems).toEqual([]);
});

test("the setup, invitation and organization forms put no secret in a URL, whatever the page's code does", async ({ page, browser, baseURL }) => {
  await signedIn(page);
  for (const mode of ["on", "off", "before hydration"] as const) {
    const context = await browser.newContext({ javaScriptEnabled: mode !== "off" });
    if (mode === "before hydration") await context.route("**/pkg/*.wasm", () => {});
    const ready = async (p: Page) => {
      if (mode === "on") await hydrated(p);
    };

    // The first administrator, on a server of its own with nobody in it yet.
    const server = await emptyServer();
    const urls: string[] = [];
    try {
      const admin = await context.newPage();
      await admin.goto(server.setupLink, { waitUntil: "domcontentloaded" });
      await ready(admin);
      context.on("request", (r) => urls.push(r.url()));
      const token = new URL(server.setupLink).searchParams.get("token")!;
      const password = `the administrator's password, ${mode}`;
      await admin.getByLabel("Organization name").fill("Initrode");
      await admin.getByLabel("Organization slug").fill("initrode");
      await admin.getByLabel("Your name").fill("Bill");
      await admin.getByLabel("Email").fill("bill@initrode.test");
      await admin.getByLabel("Password").fill(password);
      await admin.getByRole("button", { name: "Create administrator" }).click();
      await expect(admin).toHaveURL(`${server.base}/settings/service-accounts`);
      expectNoSecretIn(urls, [token, password]);
      await admin.close();
    } finally {
      server.stop();
    }

    // An invitation, on the suite's server.
    const { link } = await invite(page, "Ivy");
    const secret = new URL(link).searchParams.get("invite")!;
    const ivy = await context.newPage();
    await ivy.goto(link, { waitUntil: "domcontentloaded" });
    await ready(ivy);
    urls.length = 0;
    const password = `ivy's own long password, ${mode}`;
    await ivy.getByLabel("Password").fill(password);
    await ivy.getByRole("button", { name: "Set password" }).click();
    await expect(ivy).toHaveURL(`${baseURL}/settings/service-accounts`);
    expectNoSecretIn(urls, [secret, password]);
    await ivy.close();
    await context.clearCookies();

    // The organization's signing secret, typed by the administrator; the form is refused for
    // its lifetime, so nothing changes for the other tests.
    const ada = await context.newPage();
    await ada.goto("/login", { waitUntil: "domcontentloaded" });
    await ready(ada);
    await ada.getByLabel("Email").fill(ADMIN_EMAIL);
    await ada.getByLabel("Password").fill(ADMIN_PASSWORD);
    await ada.getByRole("button", { name: "Sign in" }).click();
    await expect(ada).toHaveURL(`${baseURL}/settings/service-accounts`);
    await ada.goto("/settings/organization", { waitUntil: "domcontentloaded" });
    await ready(ada);
    const signing = `a signing secret typed ${mode}`;
    await ada.getByLabel("Maximum token lifetime (days)").fill("forever");
    await ada.getByLabel("Signing secret").fill(signing);
    await ada.getByRole("button", { name: "Save settings" }).click();
    await expect(ada.getByText("Enter a number of days from 1 to 3650")).toBeVisible();
    await expect(ada.getByLabel("Signing secret")).toHaveValue(mode === "on" ? signing : "");
    expectNoSecretIn(urls, [signing, ADMIN_PASSWORD]);
    await context.close();
  }
});

test("a form refused before the page's code arrived keeps its error once the code runs", async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/pkg/*.wasm", async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto("/login?next=%2Fsettings%2Fstale", { waitUntil: "domcontentloaded" });
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill("a wrong password, before hydration");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Incorrect email or password.");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  // The page the server answered with hydrates with the same error (no mismatch), and the
  // form goes on working through the API.
  release();
  await hydrated(page);
  await expect(page.getByRole("alert")).toHaveText("Incorrect email or password.");
  await expect(page.getByLabel("Email")).toHaveValue(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${baseURL}/settings/stale`);
  expect(problems).toEqual([]);
});
