# Race 20 requests for the same household in a relief round of a running demo (SQLite file
# read for free households): python3 race.py URL TOKEN DB_FILE
import json, sys, time, urllib.request, urllib.error, concurrent.futures, sqlite3
base, tok, db = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
rid, = con.execute("SELECT r.id FROM relief_rounds r ORDER BY r.id LIMIT 1").fetchone()
path, = con.execute("SELECT z.unit_path FROM relief_zones z JOIN relief_rounds r ON r.zone_id = z.id WHERE r.id = ?", (rid,)).fetchone()
free = [h for (h,) in con.execute("SELECT id FROM households WHERE unit_path >= ? AND unit_path < ? AND id NOT IN (SELECT household_id FROM relief_packages WHERE round_id = ?) ORDER BY id LIMIT 10", (path, path[:-1] + "0", rid))]
def give(h, lang):
    r = urllib.request.Request(f"{base}/api/v1/relief/rounds/{rid}/packages", method="POST", data=json.dumps({"household_id": h}).encode())
    r.add_header("content-type", "application/json"); r.add_header("authorization", "Bearer " + tok); r.add_header("accept-language", lang)
    try:
        with urllib.request.urlopen(r) as resp: return resp.status, ""
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read())["error"]["message"]
for h in free[:5]:
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        res = list(ex.map(lambda i: give(h, "vi" if i % 2 else "en"), range(20)))
    codes = sorted(c for c, _ in res)
    print(f"household {h}: 20 racing requests -> {codes.count(201)} x 201, {codes.count(409)} x 409 in {1e3*(time.perf_counter()-t):.0f} ms")
print("messages:", sorted({m for _, m in res if m}))
n, = con.execute("SELECT COUNT(*) FROM relief_packages WHERE round_id = ? AND household_id IN (%s)" % ",".join(map(str, free[:5])), (rid,)).fetchone()
print("rows in the database for those 5 households:", n)
