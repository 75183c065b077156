// The command centre in a real browser: sign in, read the dashboard, open and trace a case,
// the map, risk levels, the forecast, a QR poster printed to PDF, a lockdown zone declared through
// its form, the language switch, and a commune officer who sees only their commune. Screenshots
// go to e2e/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:http";

import { startDemo } from "./server.mjs";
import { launch, shot, ARTIFACTS } from "./browser.mjs";

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" })).newPage();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function signIn(p, username, password) {
  await p.goto(`${demo.base}/login`);
  await p.getByLabel(/Tên đăng nhập|Username/).fill(username);
  await p.getByLabel(/Mật khẩu|Password/).fill(password);
  await p.getByRole("button", { name: /Đăng nhập|Sign in/ }).click();
}

/** The number shown in a dashboard figure whose label matches. */
async function figure(p, label) {
  const text = await p.locator(".stat", { hasText: label }).locator("b").first().innerText();
  return Number(text.replace(/\D/g, ""));
}

test("sign in and read the dashboard", async () => {
  await signIn(page, "admin", demo.password);
  await page.waitForURL(`${demo.base}/`);
  assert.equal(await page.locator("h1").innerText(), "Tổng quan địa bàn");
  assert.ok((await figure(page, "F0 mới 7 ngày qua")) > 0, "the demo has cases this week");
  assert.ok((await figure(page, "F1 đang cách ly")) > 0, "the demo traced its last cases");
  assert.ok((await page.locator("svg.chart rect").count()) >= 28, "the epidemic curve has a bar a day");
  // The first Tab reaches the skip link: the page can be used from the keyboard.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.className), "skip");
  await shot(page, "01-dashboard-vi");
});

test("a form forged on another origin is refused and changes nothing", async () => {
  // The review's attack: a page elsewhere on the same site (another port of 127.0.0.1 is the
  // same site, so SameSite cookies alone do not stop it) makes the signed-in officer's
  // browser post one of our forms.
  const rates = async () => (await (await page.request.get(`${demo.base}/api/v1/aid/rates`)).json()).length;
  const before = await rates();
  const evil = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>Khuyến mãi</title>
      <form method="post" action="${demo.base}/aid/rates">
        <input name="base" value="USD"><input name="quote" value="VND"><input name="rate" value="1">
        <input name="date" value="2021-11-20"><input name="source" value="forged">
      </form><script>document.forms[0].submit()</script>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  try {
    const posted = page.waitForResponse((r) => r.url().endsWith("/aid/rates") && r.request().method() === "POST");
    await page.goto(`http://127.0.0.1:${evil.address().port}/`);
    const resp = await posted;
    assert.equal(resp.status(), 403);
    await page.waitForLoadState();
    assert.match(await page.locator("main").innerText(), /không đến từ trang của hệ thống/);
    await shot(page, "01b-forged-form-refused");
  } finally {
    evil.close();
  }
  assert.equal(await rates(), before, "the forged rate was not recorded");
  // Back to our own dashboard for the tests that follow.
  await page.goto(`${demo.base}/`);
});

test("open a case and trace it", async () => {
  await page.getByRole("link", { name: "Ca bệnh (F0)" }).click();
  await page.locator("table tbody tr").first().waitFor();
  await page.locator("table tbody tr td a").first().click();
  await assert.doesNotReject(page.locator("h1", { hasText: "Ca bệnh số" }).waitFor());
  await page.getByRole("button", { name: "Truy vết và lập danh sách cách ly" }).click();
  await page.waitForURL(/traced=\d+/);
  assert.match(await page.locator("[role=status]").innerText(), /Đã lưu \d+ người tiếp xúc mới\./);
  await shot(page, "02-case-traced");
  // The follow-up list has the F1 to quarantine, with the day their quarantine ends.
  await page.getByRole("link", { name: "Theo dõi F1, F2" }).click();
  await page.locator("table tbody tr").first().waitFor();
  assert.ok((await page.locator("table tbody tr", { hasText: "F1" }).count()) > 0);
  await shot(page, "02b-follow-up");
});

let officerCommune;

test("open the map and follow a commune to its cases", async () => {
  await page.getByRole("link", { name: "Bản đồ" }).click();
  await page.locator("svg.map").waitFor();
  assert.equal(await page.locator("svg.map path.cell").count(), 526, "Hà Nội's communes");
  const linked = page.locator("svg.map a");
  assert.ok((await linked.count()) > 100, "communes with residents are coloured and linked");
  await shot(page, "03-map-incidence");
  // The commune with the most cases heads the table; click its cell on the map.
  const top = await page.locator("table tbody tr td a").first().getAttribute("href");
  officerCommune = new URL(top, demo.base).searchParams.get("unit");
  await page.locator(`svg.map a[href^="/cases?unit=${officerCommune}&"]`).click();
  await page.waitForURL(new RegExp(`/cases\\?unit=${officerCommune}`));
  assert.ok((await page.locator("table tbody tr").count()) > 0);
  await shot(page, "04-cases-of-a-commune");
});

test("risk levels and the forecast", async () => {
  await page.getByRole("link", { name: "Cấp độ dịch" }).click();
  await page.locator("svg.map").waitFor();
  assert.match(await page.locator("main p").first().innerText(), /Áp dụng 4800\/QĐ-BYT/);
  const rows = await page.locator("table tbody tr").count();
  assert.ok(rows > 1);
  // The live filter (the one piece of JavaScript that filters) narrows the table as one types.
  const first = (await page.locator("table tbody tr td").first().innerText()).trim();
  await page.getByLabel("Lọc bảng theo tên").fill(first);
  const shown = await page.locator("table tbody tr:visible").count();
  assert.ok(shown >= 1 && shown < rows, `${shown} of ${rows} rows after filtering by ${first}`);
  await page.getByLabel("Lọc bảng theo tên").fill("");
  await shot(page, "05-risk-levels");
  await page.getByRole("link", { name: "Dự báo" }).click();
  await page.locator("svg.chart").first().waitFor();
  assert.ok(await page.getByText("R = 1").isVisible());
  await shot(page, "06-forecast");
});

test("a cluster and its transmission graph", async () => {
  await page.getByRole("link", { name: "Ổ dịch" }).click();
  await page.locator("table tbody tr td a").first().click();
  await page.locator("svg.graph").waitFor();
  assert.match(await page.locator("h1").innerText(), /^Ổ dịch số \d+$/);
  assert.ok((await page.locator("svg.graph circle").count()) > 1, "cases drawn");
  assert.ok((await page.locator("svg.graph line").count()) > 0, "links drawn");
  await shot(page, "06b-cluster-graph");
  // A case in the graph opens its page.
  await page.locator("svg.graph a").first().click();
  await page.locator("h1", { hasText: "Ca bệnh số" }).waitFor();
});

test("beds and vaccination", async () => {
  await page.goto(`${demo.base}/`);
  const beds = await page.locator(".stat", { hasText: "Giường điều trị F0" }).locator("b").innerText();
  const [used, all] = beds.split("/").map((x) => Number(x.trim()));
  assert.ok(all > 0 && used >= 0 && used <= all, `beds ${beds}`);
  await page.locator(".stat", { hasText: "Giường điều trị F0" }).click();
  await page.waitForURL(/\/facilities/);
  assert.ok((await page.locator("table tbody tr").count()) > 10, "the demo's facilities");
  await shot(page, "06c-facilities");
  await page.locator("table tbody tr td a").first().click();
  await page.locator("h1").waitFor();
  await shot(page, "06d-facility");
  await page.goto(`${demo.base}/coverage`);
  assert.ok((await page.locator("table tbody tr").count()) > 0);
  await shot(page, "06e-coverage");
});

test("print a venue's QR poster", async () => {
  await page.getByRole("link", { name: "Địa điểm QR" }).click();
  const href = await page.getByRole("link", { name: "In mã QR" }).first().getAttribute("href");
  await page.goto(new URL(href, demo.base).href);
  assert.ok((await page.locator("svg").count()) > 0);
  await page.screenshot({ path: join(ARTIFACTS, "07-qr-poster.png") });
  const pdf = await page.pdf({ path: join(ARTIFACTS, "07-qr-poster.pdf"), format: "A4" });
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, "the poster prints on one A4 page");
});

test("a venue registered by form prints its QR poster", async () => {
  // A commune officer registers a shop in their commune, in Vietnamese, by keyboard.
  demo.addUser("diemqr", "commune_officer", officerCommune, "mật khẩu đăng ký điểm");
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN" });
  const p = await ctx.newPage();
  await signIn(p, "diemqr", "mật khẩu đăng ký điểm");
  await p.waitForURL(`${demo.base}/`);
  await p.goto(`${demo.base}/venues`);
  await p.getByRole("link", { name: "Đăng ký địa điểm" }).focus();
  await p.keyboard.press("Enter");
  await p.waitForURL(`${demo.base}/venues/new`);
  // The commune is offered by name: the one of this officer's jurisdiction.
  const commune = await p.locator("#communes option").first().getAttribute("value");
  assert.ok(commune && !/^\d+$/.test(commune), "a name, not a code");
  const fill = async (label, text) => {
    await p.getByLabel(label).focus();
    await p.keyboard.type(text);
  };
  // First without a kind: refused, the field named in Vietnamese, what was typed kept.
  await fill("Tên địa điểm", "Quán phở thử nghiệm");
  await fill("Phường/xã", commune);
  await fill("Địa chỉ", "12 phố Thử Nghiệm");
  await p.keyboard.press("Enter");
  await p.waitForLoadState();
  // The browser's own check stops an empty required select; the server's check is the same.
  if (!p.url().endsWith("/venues/new")) {
    assert.match(await p.locator("#f-kind-error").innerText(), /Bắt buộc phải nhập\./);
  }
  assert.equal(await p.getByLabel("Tên địa điểm").inputValue(), "Quán phở thử nghiệm");
  // Typing picks the kind by its first letters ("Nhà hàng" is the first "Nh…"; a space or a
  // letter with a diacritic would not reach the closed list).
  await p.getByLabel("Loại địa điểm").focus();
  await p.keyboard.type("Nh");
  assert.equal(await p.getByLabel("Loại địa điểm").inputValue(), "restaurant");
  await p.getByLabel("Địa chỉ").focus();
  await p.keyboard.press("Enter");
  await p.waitForURL(/\/venues\/\d+\/poster/);
  assert.equal(await p.locator("h1").innerText(), "Quán phở thử nghiệm");
  const lines = await p.locator("main > p").allInnerTexts();
  assert.ok(lines.includes("12 phố Thử Nghiệm"), `the address as typed: ${lines.join(" | ")}`);
  assert.ok((await p.locator(".poster svg path").count()) > 0, "the QR code is drawn");
  await shot(p, "07b-venue-registered");
  const pdf = await p.pdf({ path: join(ARTIFACTS, "07b-venue-poster.pdf"), format: "A4" });
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, "the poster prints on one A4 page");
  // Found in the list without diacritics, linked to its poster.
  await p.goto(`${demo.base}/venues?q=quan%20pho%20thu%20nghiem`);
  assert.ok(await p.getByRole("link", { name: "Quán phở thử nghiệm" }).isVisible());
  await ctx.close();
});

test("aid between localities and a thank-you letter on one A4 page", async () => {
  await page.goto(`${demo.base}/aid`);
  const text = await page.locator("main").innerText();
  for (const figure of ["200.000 USD", "15.000 USD", "500.000.000 VND"]) {
    assert.ok(text.includes(figure), `the aid page shows ${figure}`);
  }
  await shot(page, "11-aid");
  const res = await page.request.get(`${demo.base}/api/v1/aid/donations?limit=100`);
  const gifts = (await res.json()).items;
  const vientiane = gifts.find((g) => g.donor.code_or_id === "LA-VT" && g.recipient.code_or_id === "01");
  assert.ok(vientiane, "Vientiane's gift to Hà Nội");
  for (const lang of ["vi", "en"]) {
    await page.goto(`${demo.base}/aid/donations/${vientiane.id}/letter?lang=${lang}`);
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ path: join(ARTIFACTS, `12-letter-${lang}.pdf`), preferCSSPageSize: true });
    await page.emulateMedia({ media: "screen" });
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    assert.equal(pages, 1, `the ${lang} letter prints on one A4 page`);
    assert.match(await page.locator("body").innerText(), lang === "vi" ? /THƯ CẢM ƠN|Thư cảm ơn/ : /LETTER OF THANKS/);
    await shot(page, `12-letter-${lang}`);
  }
});

test("declare a lockdown zone through the form, in Vietnamese, by keyboard", async () => {
  const zoneForm = async (units) => {
    await page.goto(`${demo.base}/aid`);
    assert.equal(await page.locator("html").getAttribute("lang"), "vi");
    await page.locator("summary", { hasText: "Công bố vùng phong tỏa" }).focus();
    await page.keyboard.press("Enter");
    const form = page.locator('form[action="/aid/relief/zones"]');
    await form.getByLabel("Tên vùng").fill("Vùng phong tỏa thử nghiệm");
    await form.getByLabel(/^Đơn vị/).fill(units);
    await form.getByLabel("Từ ngày").fill("2021-08-01");
    await form.getByLabel("Số dân bị ảnh hưởng").fill("1200");
    // Enter in the last field sends the form.
    await form.getByLabel(/^Số hộ bị ảnh hưởng/).fill("300");
    await form.getByLabel(/^Số hộ bị ảnh hưởng/).press("Enter");
    await page.waitForLoadState();
  };
  // A unit code that is none: the refusal names the field and why, and nothing is saved.
  await zoneForm(`${officerCommune}\n0x`);
  assert.match(await page.locator("main").innerText(), /units\[1\]: Sai định dạng\./);
  const before = await (await page.request.get(`${demo.base}/api/v1/relief/zones`)).json();
  assert.ok(!before.some((z) => z.name === "Vùng phong tỏa thử nghiệm"), "nothing saved");
  await zoneForm(officerCommune);
  await page.waitForURL(/zone_declared=\d+/);
  assert.match(await page.locator("main").innerText(), /Đã công bố vùng phong tỏa\./);
  assert.ok(await page.locator("table tr", { hasText: "Vùng phong tỏa thử nghiệm" }).first().isVisible());
  await shot(page, "15-zone-declared");
  const zones = await (await page.request.get(`${demo.base}/api/v1/relief/zones`)).json();
  const zone = zones.find((z) => z.name === "Vùng phong tỏa thử nghiệm");
  assert.ok(zone, "the API lists the zone");
  assert.deepEqual(zone.units.map((u) => u.code), [officerCommune]);
  assert.equal(zone.population, 1200);
});

test("switch to English and back", async () => {
  await page.goto(`${demo.base}/`);
  await page.getByRole("link", { name: "English" }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator("h1").innerText(), "Locality overview");
  assert.equal(await page.locator("html").getAttribute("lang"), "en");
  await page.getByRole("link", { name: "Map" }).click();
  await page.locator("svg.map").waitFor();
  await shot(page, "08-map-en");
  await page.getByRole("link", { name: "Tiếng Việt" }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator("html").getAttribute("lang"), "vi");
});

test("the case, cluster, risk, forecast, facilities and aid pages in English", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const en = await ctx.newPage();
  await ctx.addCookies([{ name: "lang", value: "en", url: demo.base }]);
  await signIn(en, "admin", demo.password);
  await en.waitForURL(`${demo.base}/`);
  const pages = [
    ["/cases", "Cases"],
    ["/clusters", "Clusters in the last 28 days"],
    ["/risk", "Risk levels by area"],
    ["/forecast", "Forecast"],
    ["/aid", null],
  ];
  for (const [path, heading] of pages) {
    await en.goto(`${demo.base}${path}`);
    assert.equal(await en.locator("html").getAttribute("lang"), "en", path);
    if (heading) assert.match(await en.locator("h1").innerText(), new RegExp(heading), path);
  }
  await en.goto(`${demo.base}/cases`);
  await en.locator("table tbody tr td a").first().click();
  await en.locator("h1", { hasText: /^Case \d+/ }).waitFor();
  assert.ok(await en.getByRole("button", { name: "Trace and list for quarantine" }).isVisible());
  await shot(en, "13-case-en");
  await en.goto(`${demo.base}/clusters`);
  await en.locator("table tbody tr td a").first().click();
  await en.locator("svg.graph").waitFor();
  assert.match(await en.locator("h1").innerText(), /^Cluster \d+$/);
  await shot(en, "14-cluster-en");
  await ctx.close();
});

test("a commune officer sees only their commune", async () => {
  demo.addUser("canbo", "commune_officer", officerCommune, "mật khẩu của cán bộ xã");
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await ctx.newPage();
  await signIn(phone, "canbo", "mật khẩu của cán bộ xã");
  await phone.waitForURL(`${demo.base}/`);
  await phone.goto(`${demo.base}/map`);
  await phone.locator("svg.map").waitFor();
  const links = phone.locator("svg.map a");
  assert.equal(await links.count(), 1, "only their commune is coloured and linked");
  assert.match(await links.first().getAttribute("href"), new RegExp(`unit=${officerCommune}&`));
  await shot(phone, "09-officer-map-phone");
  await phone.goto(`${demo.base}/cases`);
  const units = await phone.locator("table tbody tr td:nth-child(3) a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(units.length > 0);
  assert.ok(units.every((h) => h === `/cases?unit=${officerCommune}`), "every case is theirs");
  await ctx.close();
});

test("the public risk map needs no account", async () => {
  const ctx = await browser.newContext();
  const anon = await ctx.newPage();
  await anon.goto(`${demo.base}/public/risk`);
  await anon.locator("svg.map").waitFor();
  assert.equal(await anon.locator("header nav").count(), 0, "no navigation of the signed-in pages");
  await shot(anon, "10-public-risk");
  await ctx.close();
  assert.ok(readFileSync(join(ARTIFACTS, "01-dashboard-vi.png")).length > 10_000);
});
