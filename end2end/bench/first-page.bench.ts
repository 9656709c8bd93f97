import { test, expect, Browser, Page } from "@playwright/test";

// Times a cold first visit (a fresh browser profile: nothing cached) from navigation to an
// interactive page, over loopback and over a throttled link, and lists the wasm the page fetched with the bytes sent for each (as the
// server sent them: brotli when precompressed). Prints one JSON line per visit for
// scripts/bench/browser.sh to summarise. BENCH_EMAIL / BENCH_PASSWORD sign in; the list
// page has as many accounts as the script seeded (BENCH_ACCOUNTS).
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const accounts = Number(process.env.BENCH_ACCOUNTS ?? 1000);

// Notes the moment `<body data-hydrated="true">` appears, on the page's own clock (0 is
// the start of the navigation).
const markHydration = () => {
  new MutationObserver((_, observer) => {
    if (document.body?.getAttribute("data-hydrated") === "true") {
      (window as any).__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
};

// A plain broadband link as Chrome's own throttling models it: 40 ms round trips, 20 Mbit/s
// down, 5 Mbit/s up; every request pays the latency, as it would over a real network.
const broadband = { offline: false, latency: 40, downloadThroughput: 20e6 / 8, uploadThroughput: 5e6 / 8 };

async function visit(
  browser: Browser,
  path: string,
  storageState: any,
  throttled: boolean,
  ready: (page: Page) => Promise<void>,
) {
  const context = await browser.newContext({ storageState });
  const page = await context.newPage();
  if (throttled) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", broadband);
  }
  await page.addInitScript(markHydration);
  const wasm: Promise<{ file: string; bytes: number; encoding: string }>[] = [];
  page.on("response", (response) => {
    if (!response.url().endsWith(".wasm")) return;
    wasm.push(
      response.request().sizes().then((sizes) => ({
        file: new URL(response.url()).pathname.replace("/pkg/", ""),
        bytes: sizes.responseBodySize,
        encoding: response.headers()["content-encoding"] ?? "identity",
      })),
    );
  });
  await page.goto(path);
  await ready(page);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const interactiveMs = await page.evaluate(() => (window as any).__hydratedAt as number);
  const files = await Promise.all(wasm);
  await context.close();
  return { path, interactiveMs, files };
}

test("first visits: sign-in, the service-account list with 1,000 accounts, two pages of the bundle", async ({ browser, baseURL }) => {
  const signIn = await browser.newContext();
  const page = await signIn.newPage();
  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(process.env.BENCH_EMAIL ?? "bench@example.test");
  await page.getByLabel("Password").fill(process.env.BENCH_PASSWORD ?? "benchmark password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Service accounts", level: 1 })).toBeVisible();
  const session = await signIn.storageState();
  await signIn.close();

  for (let round = 0; round < rounds; round++) {
    for (const throttled of [false, true]) {
      const link = throttled ? "40 ms, 20 Mbit/s" : "loopback";
      const login = await visit(browser, "/login", undefined, throttled, async (p) => {
        await expect(p.getByRole("button", { name: "Sign in" })).toBeVisible();
      });
      console.log("VISIT " + JSON.stringify({ page: `sign-in, ${link}`, round, ...login }));
      const list = await visit(browser, "/settings/service-accounts", session, throttled, async (p) => {
        await expect(p.getByText(`· ${accounts} accounts`)).toBeVisible();
        await expect(p.getByRole("row")).not.toHaveCount(0);
      });
      console.log("VISIT " + JSON.stringify({ page: `service-account list, ${link}`, round, ...list }));
      // Two pages of the rest-of-the-app bundle (app/src/ui/bundle.rs): what landing on one
      // costs, with the organization's stale accounts and tokens to show, and with next to nothing.
      const stale = await visit(browser, "/settings/stale", session, throttled, async (p) => {
        await expect(p.getByRole("heading", { name: "Stale credentials", level: 1 })).toBeVisible();
      });
      console.log("VISIT " + JSON.stringify({ page: `stale credentials, ${link}`, round, ...stale }));
      const own = await visit(browser, "/settings/account", session, throttled, async (p) => {
        await expect(p.getByRole("heading", { name: "Your account", level: 1 })).toBeVisible();
      });
      console.log("VISIT " + JSON.stringify({ page: `your account, ${link}`, round, ...own }));
    }
  }
});
