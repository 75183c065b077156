// Writes data/geo/archipelagos.geojson: the islands of Hoàng Sa (Paracel) and Trường Sa
// (Spratly), Vietnam's archipelagos, drawn in an inset on every map that covers them.
// Natural Earth (public domain, via the npm package world-atlas, ISC) has their islands but
// not within its Vietnam feature, so this takes the shapes only — every island lying wholly
// inside each archipelago's box, whatever feature holds it — and names them as Vietnam's.
// Run by scripts/geo/generate.sh.
"use strict";
const topo = require("world-atlas/countries-10m.json");
const { feature } = require("topojson-client");

const round = (x) => Math.round(x * 1e4) / 1e4;
// Boxes [west, south, east, north] around each archipelago, clear of any mainland coast.
const ARCHIPELAGOS = [
  { key: "hoang_sa", name_vi: "Quần đảo Hoàng Sa", name_en: "Hoang Sa archipelago", box: [111.0, 15.6, 113.0, 17.3] },
  { key: "truong_sa", name_vi: "Quần đảo Trường Sa", name_en: "Truong Sa archipelago", box: [111.3, 6.5, 116.8, 12.0] },
];
const features = feature(topo, topo.objects.countries).features;
const inside = ([w, s, e, n], ring) => ring.every(([x, y]) => x >= w && x <= e && y >= s && y <= n);
const out = {
  type: "FeatureCollection",
  properties: {
    source: "Natural Earth 1:10m admin 0 countries (island shapes only), via npm world-atlas@" +
      require("world-atlas/package.json").version,
    licence: "Natural Earth: public domain; world-atlas package: ISC",
  },
  features: ARCHIPELAGOS.map(({ key, name_vi, name_en, box }) => {
    const polygons = [];
    for (const f of features) {
      const all = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const p of all) {
        if (inside(box, p[0])) polygons.push(p.map((ring) => ring.map(([x, y]) => [round(x), round(y)])));
      }
    }
    if (polygons.length === 0) throw new Error(`no islands found for ${key}`);
    return {
      type: "Feature",
      properties: { key, name_vi, name_en, country_vi: "Việt Nam", country_en: "Viet Nam", box },
      geometry: { type: "MultiPolygon", coordinates: polygons },
    };
  }),
};
process.stdout.write(JSON.stringify(out) + "\n");
