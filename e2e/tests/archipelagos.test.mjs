// Hoàng Sa and Trường Sa on every map that covers them, in a real browser: a Khánh Hòa and a
// Đà Nẵng locality each draw their archipelago in an inset (islands non-empty, inside the
// screenshot, named as Vietnam's in Vietnamese and English), and the country's maps draw both.
import { test, after } from "node:test";
import assert from "node:assert/strict";

import { startDemo } from "./server.mjs";
import { launch, shot } from "./browser.mjs";

let browser;
after(async () => {
  await browser?.close();
});

/** The archipelago's inset on the page's map: its islands' box and its text. */
async function inset(page, key) {
  const group = page.locator(`svg.map g.archipelago[data-archipelago="${key}"]`);
  assert.equal(await group.count(), 1, `one inset of ${key}`);
  await group.scrollIntoViewIfNeeded();
  const islands = group.locator("path.islands");
  const d = await islands.getAttribute("d");
  assert.ok(d && d.startsWith("M") && d.length > 100, `${key}: islands drawn`);
  const box = await islands.boundingBox();
  const view = page.viewportSize();
  assert.ok(box && box.width > 20 && box.height > 10, `${key}: islands visible (${JSON.stringify(box)})`);
  assert.ok(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= view.width && box.y + box.height <= view.height,
    `${key}: islands inside the screen (${JSON.stringify(box)})`,
  );
  return group.textContent();
}

const LOCALITIES = [
  {
    province: "56",
    key: "truong-sa",
    vi: "Quần đảo Trường Sa (Việt Nam)",
    en: "Truong Sa archipelago (Viet Nam)",
    units: ["Thị trấn Trường Sa", "Song Tu Tay Commune", "Xã Sinh Tồn"],
    table: { commune: "Xã Song Tử Tây", district: "Huyện Trường Sa" },
  },
  {
    province: "48",
    key: "hoang-sa",
    vi: "Quần đảo Hoàng Sa (Việt Nam)",
    en: "Hoang Sa archipelago (Viet Nam)",
    units: ["Huyện Hoàng Sa", "Hoang Sa District"],
    table: { commune: "Huyện Hoàng Sa", district: "Huyện Hoàng Sa" },
  },
];

for (const l of LOCALITIES) {
  test(`a locality of province ${l.province} draws ${l.vi} on its maps`, async () => {
    const demo = await startDemo({ people: 5000, province: l.province });
    try {
      browser ??= await launch();
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "vi-VN" });
      const page = await ctx.newPage();
      await page.goto(`${demo.base}/login`);
      await page.getByLabel(/Tên đăng nhập|Username/).fill("admin");
      await page.getByLabel(/Mật khẩu|Password/).fill(demo.password);
      await page.getByRole("button", { name: /Đăng nhập|Sign in/ }).click();
      await page.waitForURL(`${demo.base}/`);

      // The locality's own map opens on its province, mainland at its scale, inset beside.
      await page.goto(`${demo.base}/map`);
      await page.locator("svg.map").waitFor();
      const text = await inset(page, l.key);
      for (const s of [l.vi, l.en, ...l.units]) assert.ok(text.includes(s), `${s} in ${text}`);
      assert.equal(await page.locator('svg.map path[d=""]').count(), 0, "no empty shapes");
      const map = await page.locator("svg.map").boundingBox();
      assert.ok(map.width > 600, "the map fills the page's width");
      await shot(page, `20-map-${l.key}`);

      // The risk table lists the archipelago's units at every level, assessed or not.
      for (const level of ["commune", "district"]) {
        await page.goto(`${demo.base}/risk?level=${level}`);
        // Units not assessed come after the assessed ones, on the table's last page.
        let table = await page.locator("table").innerText();
        for (let next = page.getByRole("link", { name: /Trang sau|Next/ }); await next.count(); ) {
          await next.click();
          table = await page.locator("table").innerText();
        }
        assert.ok(table.includes(l.table[level]), `${l.table[level]} in the ${level} table`);
      }
      await inset(page, l.key);

      // The country on the administrator's dashboard and on the public risk page.
      await page.goto(`${demo.base}/`);
      for (const key of ["hoang-sa", "truong-sa"]) await inset(page, key);
      await shot(page, `21-dashboard-national-${l.key}`);
      const anon = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
      await anon.goto(`${demo.base}/public/risk?level=province`);
      assert.equal(await anon.locator("svg.map path.cell").count(), 63, "63 provinces");
      for (const key of ["hoang-sa", "truong-sa"]) await inset(anon, key);
      await shot(anon, `22-public-risk-national-${l.key}`);
      await ctx.close();
    } finally {
      await demo.stop();
    }
  });
}
