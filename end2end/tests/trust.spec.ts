import { test, expect, request, Page } from "@playwright/test";
import { api, hydrated, signedIn, unique, watchConsole } from "./helpers";
import { startIssuer } from "./oidc-issuer";

const AUDIENCE = "https://steward.acme.test";

/** Adds a GitHub Actions trust relationship from its template, trusting `issuer`. */
async function addFromTemplate(page: Page, issuer?: string) {
  await page.getByRole("button", { name: "Add trust relationship" }).click();
  const dialog = page.getByRole("dialog", { name: "Add trust relationship" });
  await dialog.getByLabel("Template").selectOption({ label: "GitHub Actions" });
  await expect(dialog.getByLabel("Issuer")).toHaveValue("https://token.actions.githubusercontent.com");
  await expect(dialog.getByLabel("Conditions")).toHaveValue(/repository = acme\/api/);
  if (issuer) await dialog.getByLabel("Issuer").fill(issuer);
  // A bad value is refused next to its field.
  await dialog.getByLabel("Conditions").fill("aud = steward");
  await dialog.getByLabel("Audience").fill(AUDIENCE);
  await dialog.getByRole("button", { name: "Add" }).click();
  await expect(dialog.getByText("checked by the policy itself")).toBeVisible();
  await dialog.getByLabel("Conditions").fill("repository = acme/api\nref ~ refs/heads/release-*");
  await dialog.getByRole("button", { name: "Add" }).click();
  await expect(dialog).toBeHidden();
}

test("a GitHub Actions trust relationship is added from its template and removed", async ({ page }) => {
  const problems = watchConsole(page);
  await signedIn(page);
  const name = unique("keyless");
  const created = await api(page, "/api/v1/service-accounts/create", { name, role: "editor" });
  const id = created.service_account.id;

  await page.goto(`/settings/service-accounts/${id}`);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Trust relationships" })).toBeVisible();
  await expect(page.getByText("No trust relationships.")).toBeVisible();
  await addFromTemplate(page);

  const policy = page.getByRole("article", { name: "Trust in https://token.actions.githubusercontent.com" });
  await expect(policy).toContainText(AUDIENCE);
  await expect(policy).toContainText("repository = acme/api");
  await expect(policy).toContainText("ref ~ refs/heads/release-*");
  await expect(policy).toContainText("15 min");
  await expect(policy).toContainText("Never");

  // The list marks the account keyless.
  await page.goto("/settings/service-accounts");
  await hydrated(page);
  await page.getByLabel("Search by name").fill(name);
  await expect(page.getByRole("navigation", { name: "Pages" })).toContainText("· 1 account");
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("keyless");
  await page.goto(`/settings/service-accounts/${id}`);
  await hydrated(page);

  // Removing asks first: it revokes what the relationship issued.
  await page.getByRole("button", { name: "Remove trust in https://token.actions.githubusercontent.com" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove trust relationship" });
  await expect(confirm).toContainText("revoked at once");
  await confirm.getByRole("button", { name: "Remove trust" }).click();
  await expect(page.getByText("No trust relationships.")).toBeVisible();
  expect(problems).toEqual([]);
});

test("a job's exchange shows on its trust relationship with the claims that matched", async ({ page }) => {
  const problems = watchConsole(page);
  const issuer = await startIssuer();
  try {
    await signedIn(page);
    const created = await api(page, "/api/v1/service-accounts/create", { name: unique("deployer"), role: "editor" });
    const id = created.service_account.id;
    await page.goto(`/settings/service-accounts/${id}`);
    await hydrated(page);
    await addFromTemplate(page, issuer.url);
    const policy = page.getByRole("article", { name: `Trust in ${issuer.url}` });
    await expect(policy).toContainText("Never");

    // The job exchanges its identity token as docs/keyless.md shows it with curl: a client of
    // its own, with no browser session.
    const jwt = issuer.sign({
      aud: AUDIENCE,
      sub: "repo:acme/api:ref:refs/heads/release-2",
      repository: "acme/api",
      ref: "refs/heads/release-2",
      run_id: "77",
    });
    const job = await request.newContext({ baseURL: new URL(page.url()).origin });
    const res = await job.post("/oauth/token", {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        subject_token: jwt,
        audience: id,
      },
    });
    expect(res.status(), await res.text()).toBe(200);
    const answer = await res.json();
    expect(answer.token_type).toBe("Bearer");
    expect(answer.access_token).toMatch(/^stw_/);
    await job.dispose();

    await page.reload();
    await hydrated(page);
    await expect(policy).not.toContainText("Never");
    const exchanges = policy.getByRole("table", { name: `Last exchanges of trust in ${issuer.url}` });
    await expect(exchanges).toContainText("repository = acme/api");
    await expect(exchanges).toContainText("ref = refs/heads/release-2");
    await expect(exchanges).toContainText("Valid until");
    // The exchanged token is listed with the account's tokens, marked where it came from.
    await expect(page.getByText(`exchanged from ${issuer.url}`)).toBeVisible();
    await page.screenshot({ path: "test-results/trust-exchange.png", fullPage: true });
    expect(problems).toEqual([]);
  } finally {
    await issuer.close();
  }
});
