// Issue #16, item 3: the daily report to the level above. From the dashboard to the report
// of a chosen day; its total equals the dashboard's figure for the same day; the page prints
// as one A4 PDF; the XLSX downloads and is a workbook.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { startDemo } from "./server.mjs";
import { launch, shot, ARTIFACTS } from "./browser.mjs";

let demo;
let browser;
let page;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "vi-VN", acceptDownloads: true });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** The number of a dashboard figure by its label ("1.234" in Vietnamese). */
async function dashboardFigure(label) {
  const stat = page.locator(".stat", { hasText: label }).first();
  return (await stat.locator("b").innerText()).trim();
}

test("the daily report shows the dashboard's figure and downloads as XLSX", async () => {
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập/).fill("admin");
  await page.getByLabel(/Mật khẩu/).fill(demo.password);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${demo.base}/`);

  // The dashboard's figures are today's (the demo's clock); the report of the same day.
  const quarantined = await dashboardFigure("F1 đang cách ly");
  const died = await dashboardFigure("Tử vong");
  await page.getByRole("link", { name: "Báo cáo ngày" }).click();
  await page.waitForURL(/\/reports\/daily\?day=\d{4}-\d{2}-\d{2}$/);
  const day = new URL(page.url()).searchParams.get("day");
  assert.match(await page.locator("h1").innerText(), /^Báo cáo tình hình dịch COVID-19 ngày \d{2}\/\d{2}\/\d{4}$/);

  const head = await page.locator("table.report-table thead th").allInnerTexts();
  const total = await page.locator("table.report-table tfoot td").allInnerTexts();
  assert.equal(total[head.indexOf("F1 đang cách ly") - 1], quarantined, "F1 in quarantine as on the dashboard");
  assert.equal(total[head.indexOf("Tử vong (cộng dồn)") - 1], died, "deaths as on the dashboard");
  assert.ok((await page.locator("table.report-table tbody tr").count()) > 1, "a row per district");
  await shot(page, "30-daily-report");

  // Printed: one A4 page, without the navigation or the form.
  await page.emulateMedia({ media: "print" });
  const hidden = await page.evaluate(() =>
    ["header", "form.filters"].map((q) => getComputedStyle(document.querySelector(q)).display));
  assert.deepEqual(hidden, ["none", "none"], "no navigation nor form on paper");
  const pdf = await page.pdf({ preferCSSPageSize: true, path: join(ARTIFACTS, "daily-report.pdf") });
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, "one A4 page");
  assert.match(pdf.toString("latin1"), /\/MediaBox \[0 0 59[45](\.\d+)? 84[12]/, "A4");
  await page.emulateMedia({ media: "screen" });

  // Another day by the form, then its XLSX.
  await page.locator('input[name="day"]').fill("2021-06-15");
  await page.getByRole("button", { name: "Xem" }).click();
  await page.waitForURL(/day=2021-06-15/);
  assert.match(await page.locator("h1").innerText(), /15\/06\/2021$/);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Tải bảng XLSX" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "bao-cao-ngay-2021-06-15.xlsx");
  const path = join(ARTIFACTS, "daily-report.xlsx");
  await download.saveAs(path);
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 2).toString(), "PK", "an XLSX is a zip");
  assert.ok(bytes.includes(Buffer.from("xl/worksheets/sheet1.xml")), "with a worksheet");
  assert.ok(day, "the dashboard's link names its day");
});

test("a list's filter form does not print", async () => {
  // The case list's filters are a `form.filters`, whose screen rule (display: flex) once
  // outranked the print rule that hides forms, so every filtered list printed its form.
  await page.goto(`${demo.base}/cases`);
  if (page.url().includes("/login")) {
    await page.getByLabel(/Tên đăng nhập/).fill("admin");
    await page.getByLabel(/Mật khẩu/).fill(demo.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${demo.base}/`);
    await page.goto(`${demo.base}/cases`);
  }
  assert.ok(await page.locator("form.filters").isVisible(), "the list's filters on screen");
  await page.emulateMedia({ media: "print" });
  const shown = await page.evaluate(() =>
    // Laid out at all (a form inside the hidden header keeps its own `display`).
    [...document.querySelectorAll("form")].filter((f) => f.getClientRects().length > 0).map((f) => f.className || f.action));
  await page.emulateMedia({ media: "screen" });
  assert.deepEqual(shown, [], "no form on paper");
});
