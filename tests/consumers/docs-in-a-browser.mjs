// The gateway's API docs in a real headless Chromium (the system's, driven by playwright-core)
// that can reach nothing but this machine: the page lists the operations, and one "Try it out"
// call is answered. Exits non-zero, saying why, when either fails.
//   node docs-in-a-browser.mjs http://127.0.0.1:8000 /usr/bin/chromium
import { chromium } from "playwright-core";

const [gateway, executablePath] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath,
  // Every host name but the gateway's resolves to nothing: a script or style from a CDN fails.
  args: ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
});
try {
  const page = await browser.newPage();
  const outside = [];
  page.on("requestfailed", (request) => outside.push(request.url()));
  await page.goto(`${gateway}/docs`);
  await page.waitForSelector(".opblock", { timeout: 60_000 });
  const operations = await page.locator(".opblock").count();
  if (operations < 100) throw new Error(`only ${operations} operations listed`);

  // The development token operation needs no token: try it out with the demo council's subject.
  const operation = page.locator('[id$="-auth-mint-dev-token"]');
  await operation.locator(".opblock-summary").click();
  await operation.locator(".try-out__btn").click();
  await operation.locator("textarea.body-param__text").fill('{"subject": "kf.demo"}');
  await operation.locator("button.execute").click();
  const status = operation.locator(".live-responses-table tr.response .response-col_status");
  await status.first().waitFor({ timeout: 30_000 });
  const answered = (await status.first().innerText()).trim();
  if (answered !== "200") throw new Error(`the call was answered ${answered}`);
  const body = await operation.locator(".live-responses-table .microlight").first().innerText();
  if (!body.includes("access_token")) throw new Error(`the answer has no access_token: ${body.slice(0, 200)}`);
  if (outside.length) throw new Error(`requests failed: ${outside.join(", ")}`);
  console.log(`${operations} operations listed; the token call answered 200`);
} finally {
  await browser.close();
}
