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
  staff = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" });
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

/** Registers a new device's person at the poster's page and checks in; returns the commune
 * chosen and the check-in time the page confirms ("HH:MM dd/mm/yyyy", the locality's time). */
async function registerAndCheckIn(p, url, { name, phone, year }) {
  await p.goto(url);
  await p.getByLabel("Họ và tên").fill(name);
  await p.getByLabel("Số điện thoại").fill(phone);
  await p.getByLabel("Năm sinh").fill(year);
  await p.locator("#c-unit").selectOption({ index: 1 });
  const commune = await p.locator("#c-unit").inputValue();
  await p.getByRole("button", { name: "Đăng ký và khai báo đến" }).click();
  const status = await p.getByRole("status").innerText();
  const at = status.match(/(\d\d):(\d\d) (\d\d)\/(\d\d)\/(\d{4})/);
  assert.ok(at, `check-in confirmed with its time: ${status}`);
  return { commune, at };
}

async function staffToken() {
  const r = await fetch(`${demo.base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: demo.password }),
  });
  return (await r.json()).token;
}

// Issue #18, parts 3 and 4, the citizen's day: a person checked in at a venue where, it turns
// out, a case was at the same time; the command centre proposes and publishes the place; the
// person's phone matches it to their own visit and they declare "I was there"; their commune
// officer's list shows them. The public page carries no name, phone or ID.
test("a citizen sees a published place matched to their visit, declares, and the officer's list shows them", async () => {
  const url = await posterUrl();
  const stamp = String(Date.now() % 1_000_000).padStart(6, "0");
  const citizen = { name: `Lê Văn Phơi Nhiễm ${stamp}`, phone: `0913${stamp}`, year: "1985" };
  const source = { name: `Đỗ Thị Nguồn ${stamp}`, phone: `0914${stamp}`, year: "1979" };

  const phoneA = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "vi-VN" });
  const a = await phoneA.newPage();
  const { commune } = await registerAndCheckIn(a, url, citizen);
  const phoneB = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "vi-VN" });
  const b = await phoneB.newPage();
  const { at } = await registerAndCheckIn(b, url, source);

  // Minutes later the second person tests positive (a rapid test at the venue): a case whose
  // infectious window (from two days before onset to the result) covers both visits.
  const [, hh, mm, dd, mo, yyyy] = at;
  const checkedIn = Date.parse(`${yyyy}-${mo}-${dd}T${hh}:${mm}:00+07:00`);
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const token = await staffToken();
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const found = await (await fetch(`${demo.base}/api/v1/persons?q=${source.phone}`, { headers: auth })).json();
  assert.equal(found.items.length, 1, "the registered person is found by phone");
  const created = await fetch(`${demo.base}/api/v1/cases`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      person_id: found.items[0].id,
      severity: "mild",
      onset: iso(checkedIn - 86_400_000),
      test: { kind: "antigen", sample_at: iso(checkedIn), result_at: iso(checkedIn + 120_000) },
    }),
  });
  assert.equal(created.status, 201, await created.text());

  // The command centre proposes the places from the cases and publishes this one.
  const venue = await (await fetch(`${demo.base}/api/v1/venues/1`, { headers: auth })).json();
  const desk = await staff.newPage();
  await desk.goto(`${demo.base}/login`);
  await desk.getByLabel(/Tên đăng nhập/).fill("admin");
  await desk.getByLabel(/Mật khẩu/).fill(demo.password);
  await desk.keyboard.press("Enter");
  await desk.waitForURL(`${demo.base}/`);
  await desk.goto(`${demo.base}/exposures`);
  await desk.getByRole("button", { name: "Đề xuất từ ca bệnh" }).click();
  await desk.waitForURL(`${demo.base}/exposures`);
  const row = desk.locator("tbody tr", { hasText: venue.name }).filter({ hasText: `${dd}/${mo}/${yyyy}` });
  assert.equal(await row.count(), 1, `one proposal for ${venue.name} today`);
  await row.getByRole("button", { name: "Công bố" }).click();
  await desk.waitForURL(`${demo.base}/exposures`);
  await shot(desk, "exposures-published");

  // The public list names the place and carries no personal data.
  await a.goto(`${demo.base}/public/exposures`);
  const listed = await a.content();
  assert.ok(listed.includes(venue.name), "the public list names the venue");
  for (const secret of [citizen.name, citizen.phone, source.name, source.phone]) {
    assert.ok(!listed.includes(secret), `the public page does not carry ${secret}`);
  }

  // The citizen's phone matches the place to their own visit and tells them what to do.
  await a.goto(`${demo.base}/me/exposures`);
  const match = a.locator("li", { hasText: venue.name });
  await match.waitFor();
  assert.match(await match.innerText(), new RegExp(`Bạn đã ở .* ngày ${dd}/${mo}/${yyyy} khi có ca bệnh ở đó`));
  await shot(a, "citizen-exposure-matched");
  await match.getByRole("button", { name: "Tôi đã ở đó" }).focus();
  await a.keyboard.press("Enter");
  await a.getByRole("heading", { name: "Cảm ơn bạn đã khai báo" }).waitFor();

  // The officer of the citizen's commune has them on their list, with the place.
  demo.addUser(`canbo${stamp}`, "commune_officer", commune, "mật khẩu cán bộ xã phơi nhiễm");
  const officerCtx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN" });
  const officer = await officerCtx.newPage();
  await officer.goto(`${demo.base}/login`);
  await officer.getByLabel(/Tên đăng nhập/).fill(`canbo${stamp}`);
  await officer.getByLabel(/Mật khẩu/).fill("mật khẩu cán bộ xã phơi nhiễm");
  await officer.keyboard.press("Enter");
  await officer.waitForURL(`${demo.base}/`);
  await officer.goto(`${demo.base}/contacts`);
  const declared = officer.locator("#declarations tr", { hasText: citizen.name });
  assert.equal(await declared.count(), 1, "the declaring citizen is on their officer's list");
  assert.ok((await declared.innerText()).includes(venue.name), "with the place attached");
  assert.equal(
    await officer.locator("#declarations", { hasText: source.name }).count(),
    0,
    "the case herself did not declare",
  );
  await shot(officer, "officer-declarations");
  await Promise.all([phoneA.close(), phoneB.close(), officerCtx.close()]);
});
