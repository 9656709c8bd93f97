import { defineConfig } from "@playwright/test";

// Debian's Chromium: Playwright's own browser download cannot work on these machines.
const port = Number(process.env.STEWARD_E2E_PORT ?? 3197);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  // The README's screenshots are taken first, while the fresh database holds only their
  // sample accounts; then everything else.
  projects: [
    { name: "screenshots", testMatch: /screenshots\.spec\.ts/ },
    { name: "suite", testIgnore: /screenshots\.spec\.ts/, dependencies: ["screenshots"] },
  ],
  webServer: {
    // A fresh SQLite database and a known administrator for every run.
    command: `bash ../scripts/e2e-server.sh ${port}`,
    url: `${baseURL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
