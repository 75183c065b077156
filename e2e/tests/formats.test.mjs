// Every page in both languages, scanned as a reader sees it: Vietnamese pages write numbers
// and dates the Vietnamese way (1.234,5; 98,0 %; dd/mm/yyyy) and show no English words (no
// internal codes of statuses, units, reasons); no page shows an internal file name as a
// source. Pages are found by following the links of the signed-in pages, from the dashboard.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { startDemo } from "./server.mjs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { launch, ARTIFACTS } from "./browser.mjs";

let demo;
let browser;

before(async () => {
  demo = await startDemo({ people: 20000 });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

// Internal words that must never reach a reader: statuses, severities, kinds, reasons.
const CODES = [
  "quarantine", "monitor", "active", "recovered", "died", "isolation", "treatment", "icu",
  "asymptomatic", "mild", "moderate", "severe", "critical", "household", "venue", "declared",
  "pending", "released", "transferred", "discharged", "field_hospital", "home_care", "none",
  "unknown", "other", "in_kind", "cash", "pledged", "received", "delivered", "assumed",
  "verified", "partly",
  // English prose that leaked into a Vietnamese page (notes, sources, reasons).
  "the", "and", "of", "per", "with", "from", "not", "cases", "beds", "level", "week",
];

/** What is wrong with a page's visible text (and its tooltips) in `lang`. */
function problems(text, lang) {
  const found = [];
  const flag = (what, re) => {
    for (const m of text.matchAll(re)) {
      const at = Math.max(0, m.index - 30);
      found.push(`${what}: «${m[0]}» in «${text.slice(at, m.index + m[0].length + 30).replace(/\s+/g, " ")}»`);
    }
  };
  flag("internal file", /\b[\w-]+\.(toml|csv|rs|geojson|json|ftl)\b/g);
  flag("internal code", /\b[a-z]+_[a-z_]+\b/g);
  if (lang === "vi") {
    flag("decimal point", /(?<![\d.,/:])\d+\.\d{1,2}(?![\d.])/g);
    flag("English thousands", /(?<![\d.,])\d{1,3}(,\d{3})+(?![\d,])/g);
    flag("ISO date", /\b\d{4}-\d{2}-\d{2}\b/g);
    flag("percent without a space", /\d%/g);
    flag("English word", new RegExp(`(?<![\\p{L}/_-])(${CODES.join("|")})(?![\\p{L}/_-])`, "gu"));
  } else {
    flag("decimal comma", /(?<![\d.,])\d+,\d{1,2}(?![\d,])/g);
  }
  return found;
}

async function signedIn(lang) {
  const ctx = await browser.newContext({ locale: lang === "vi" ? "vi-VN" : "en-GB" });
  const page = await ctx.newPage();
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập|Username/).fill("admin");
  await page.getByLabel(/Mật khẩu|Password/).fill(demo.password);
  await page.getByRole("button", { name: /Đăng nhập|Sign in/ }).click();
  await page.waitForURL(`${demo.base}/`);
  return { ctx, page };
}

/** The page's visible text and tooltips. */
async function textOf(page) {
  return page.evaluate(() =>
    [document.body.innerText, ...[...document.querySelectorAll("title, [title]")].map((e) => e.getAttribute("title") ?? e.textContent)].join("\n"),
  );
}

/** The signed-in pages to scan: fixed ones and the first few links of each list. */
async function pagesToScan(page) {
  const fixed = [
    "/", "/map", "/map?measure=cases", "/map?level=district", "/risk", "/risk?level=district",
    "/risk?level=province", "/forecast", "/cases", "/contacts", "/venues", "/clusters",
    "/facilities", "/coverage", "/aid", "/aid/cooperation", "/aid/campaigns",
  ];
  const found = new Set(fixed);
  for (const [list, pattern] of [
    ["/cases", /^\/cases\/\d+$/],
    ["/clusters", /^\/clusters\/\d+$/],
    ["/facilities", /^\/facilities\/\d+$/],
    ["/aid", /^\/aid\/donations\/\d+$/],
    ["/risk", /^\/risk\/history\?unit=/],
  ]) {
    await page.goto(`${demo.base}${list}`);
    const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const h of hrefs.filter((h) => pattern.test(h)).slice(0, 3)) found.add(h);
  }
  for (const h of [...found].filter((h) => /^\/aid\/donations\/\d+$/.test(h))) found.add(`${h}/letter`);
  return [...found];
}

for (const lang of ["vi", "en"]) {
  test(`every page in ${lang === "vi" ? "Vietnamese" : "English"} writes numbers, dates and words for its reader`, async () => {
    const { ctx, page } = await signedIn(lang);
    const paths = await pagesToScan(page);
    assert.ok(paths.length > 25, `pages found: ${paths.length}`);
    const report = [];
    for (const path of [...paths, "/public/risk", "/public/risk?level=province", "/public/aid"]) {
      const res = await page.goto(`${demo.base}${path}`);
      assert.equal(res.status(), 200, path);
      for (const p of problems(await textOf(page), lang)) report.push(`${path} — ${p}`);
    }
    await ctx.close();
    // The whole list, to work through when the test fails.
    writeFileSync(join(ARTIFACTS, `formats-${lang}.txt`), report.join("\n") + "\n");
    assert.deepEqual(report, [], `${report.length} problems:\n${report.slice(0, 80).join("\n")}`);
  });
}

test("every page fits a 390 px phone: no sideways scroll of the page, wide tables scroll inside", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN", isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(`${demo.base}/login`);
  await page.getByLabel(/Tên đăng nhập/).fill("admin");
  await page.getByLabel(/Mật khẩu/).fill(demo.password);
  await page.getByRole("button", { name: /Đăng nhập/ }).click();
  await page.waitForURL(`${demo.base}/`);
  const paths = await pagesToScan(page);
  const wide = [];
  for (const path of [...paths, "/public/risk"]) {
    await page.goto(`${demo.base}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 392) wide.push(`${path}: ${width} px`);
  }
  await page.goto(`${demo.base}/cases`);
  // The case list is wider than the phone: it scrolls inside itself, its first column held.
  const table = await page.locator("main table").first().evaluate((t) => ({
    scroll: t.scrollWidth, client: t.clientWidth, first: getComputedStyle(t.querySelector("td")).position,
  }));
  assert.ok(table.scroll > table.client && table.client <= 390, JSON.stringify(table));
  assert.equal(table.first, "sticky");
  await page.screenshot({ path: `${ARTIFACTS}/30-cases-on-a-phone.png` });
  await ctx.close();
  assert.deepEqual(wide, [], `pages wider than the phone:\n${wide.join("\n")}`);
});
