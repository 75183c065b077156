// Issue #18, parts 1 and 5: a citizen opens a venue poster's URL on a phone (360×640), registers
// once by keyboard, checks in, checks out; opening it again, one tap checks in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

let demo;
let browser;
let page;
let staff;

before(async () => {
  demo = await startDemo({ people: 2000 });
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "vi-VN" });
  page = await context.newPage();
  staff = await browser.newContext({ viewport: { width: 1366, height: 768 } });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** The URL venue 1's poster encodes, read from the poster as staff print it. */
async function posterUrl() {
  const r = await fetch(`${demo.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: demo.password }),
  });
  const { token } = await r.json();
  const svg = await (
    await fetch(`${demo.base}/api/v1/venues/1/poster.svg`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  const url = svg.match(/https?:\/\/[^<"\s]+\/v\/[A-Za-z0-9_-]{32}/);
  assert.ok(url, "the poster carries the citizen page's URL");
  return url[0];
}

test("a citizen registers once, checks in and out, then checks in with one tap", async () => {
  const url = await posterUrl();
  const started = Date.now();
  await page.goto(url);
  assert.ok(Date.now() - started < 5000);
  assert.ok((await page.content()).length < 30 * 1024, "page under 30 KB");

  // By keyboard: the registration form, field after field.
  await page.getByLabel("Họ và tên").focus();
  await page.keyboard.type("Trần Thị Bình");
  await page.keyboard.press("Tab");
  await page.keyboard.type("0912345678");
  await page.keyboard.press("Tab");
  await page.keyboard.type("1990");
  await page.keyboard.press("Tab");
  // The commune: the first one of the district, chosen with the arrow keys.
  await page.keyboard.press("ArrowDown");
  await shot(page, "citizen-register");
  await page.getByRole("button", { name: "Đăng ký và khai báo đến" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForLoadState();
  await page.getByRole("button", { name: "Khai báo rời đi" }).waitFor();
  await shot(page, "citizen-checked-in");

  await page.getByRole("button", { name: "Khai báo rời đi" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Khai báo đến" }).waitFor();

  // Scanning again: one tap.
  await page.goto(url);
  assert.equal(await page.getByLabel("Họ và tên").count(), 0, "a known device is not asked again");
  await page.getByRole("button", { name: "Khai báo đến", exact: true }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Khai báo rời đi" }).waitFor();

  await page.goto(url.replace(/\/v\/.*/, "/me/visits"));
  const rows = await page.locator("tbody tr").count();
  assert.equal(rows, 2);
  await shot(page, "citizen-visits");
});

// Issue #18: the poster's page loads in under a second on a slow 3G profile (Chrome
// DevTools' "Slow 3G": 400 ms latency, 400 kbit/s each way), on a fresh phone (no cache).
test("the poster's page loads in under a second on slow 3G", async () => {
  const url = await posterUrl();
  const phone = await browser.newContext({ viewport: { width: 320, height: 568 }, locale: "vi-VN" });
  const p = await phone.newPage();
  const cdp = await phone.newCDPSession(p);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 400,
    downloadThroughput: (400 * 1024) / 8,
    uploadThroughput: (400 * 1024) / 8,
  });
  const started = Date.now();
  await p.goto(url, { waitUntil: "load" });
  const took = Date.now() - started;
  const bytes = await p.evaluate(() =>
    performance.getEntries().reduce((n, e) => n + (e.transferSize || 0), 0),
  );
  console.log(`slow 3G: loaded in ${took} ms, ${bytes} bytes`);
  assert.ok(took < 1000, `loaded in ${took} ms (${bytes} bytes)`);
  // Readable at 320 px: nothing wider than the screen.
  const wide = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 320, `page is ${wide} px wide`);
  await shot(p, "citizen-slow-3g");
  await phone.close();
});
