// Writes data/geo/vietnam.geojson: Vietnam's outline from Natural Earth 1:10m (public domain),
// as shipped by the npm package world-atlas (ISC). Run by scripts/geo/generate.sh.
"use strict";
const topo = require("world-atlas/countries-10m.json");
const { feature } = require("topojson-client");

const round = (x) => Math.round(x * 1e4) / 1e4; // ~11 m, finer than any map we draw
const vn = feature(topo, topo.objects.countries).features.find(
  (f) => f.properties.name === "Vietnam",
);
if (!vn) throw new Error("Vietnam not found in world-atlas");
const polygons = vn.geometry.type === "Polygon" ? [vn.geometry.coordinates] : vn.geometry.coordinates;
const out = {
  type: "Feature",
  properties: {
    name: "Vietnam",
    source: "Natural Earth 1:10m admin 0 countries, via npm world-atlas@" +
      require("world-atlas/package.json").version,
    licence: "Natural Earth: public domain; world-atlas package: ISC",
  },
  geometry: {
    type: "MultiPolygon",
    coordinates: polygons.map((p) => p.map((ring) => ring.map(([x, y]) => [round(x), round(y)]))),
  },
};
process.stdout.write(JSON.stringify(out) + "\n");
