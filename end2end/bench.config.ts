import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The browser benchmark (`bash scripts/bench.sh browser`): the same Chromium as the tests,
// against a release server the script has started and seeded. Not part of the test suite.
export default defineConfig({
  testDir: "./bench",
  testMatch: /\.bench\.ts$/,
  // Ten rounds of eight cold visits, some of pages with a thousand rows: minutes, not seconds.
  timeout: 1_200_000,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: { ...base.use, baseURL: process.env.BENCH_BASE_URL, trace: "off" },
});
