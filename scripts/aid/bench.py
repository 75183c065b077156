# Load and time the aid ledger of a running `chongdich demo`: python3 bench.py URL ADMIN_PASSWORD N
import json, sys, time, urllib.request, concurrent.futures, statistics
base = sys.argv[1]; pw = sys.argv[2]; n = int(sys.argv[3])
def req(method, path, body=None, token=None):
    r = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    r.add_header("content-type", "application/json")
    if token: r.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(r) as resp:
        return resp.status, resp.read()
_, b = req("POST", "/api/v1/auth/login", {"username": "admin", "password": pw})
tok = json.loads(b)["token"]
codes = ["01","79","93","48","92","LA-VT","LA-BK","31","75","95"]
def one(i):
    d, r = codes[i % 10], codes[(i * 7 + 3) % 10]
    if d == r: r = "01" if d != "01" else "79"
    body = {"donor": {"kind": "locality", "code_or_id": d}, "recipient": {"kind": "locality", "code_or_id": r},
            "money": {"amount_minor": 1000 + i, "currency": ["USD","VND","LAK"][i % 3]},
            "goods": [{"item": "masks", "quantity": 10 + i % 50}], "date": f"2021-{8 + i % 4:02d}-{1 + i % 28:02d}", "source": "bench"}
    t = time.perf_counter(); req("POST", "/api/v1/aid/donations", body, tok); return time.perf_counter() - t
t0 = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    lat = list(ex.map(one, range(n)))
el = time.perf_counter() - t0
lat.sort()
print(f"create {n} gifts over 8 connections: {el:.1f} s, {n/el:.0f}/s, p50 {lat[n//2]*1e3:.1f} ms, p99 {lat[int(n*0.99)]*1e3:.1f} ms")
for path in ["/api/v1/aid/totals?currency=USD", "/api/v1/aid/totals?donor=01&currency=VND", "/api/v1/aid/donations?limit=100",
             "/api/v1/aid/donations?recipient=LA&limit=100", "/aid", "/public/aid", "/api/v1/aid/donations.csv", "/api/v1/aid/donations.xlsx"]:
    ts = []
    for _ in range(7):
        t = time.perf_counter(); s, body = req("GET", path, None, tok); ts.append(time.perf_counter() - t)
    print(f"GET {path}: median {statistics.median(ts)*1e3:.1f} ms ({len(body)} bytes)")
