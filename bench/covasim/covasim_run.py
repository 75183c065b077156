"""Times one Covasim 4.0.1 run and prints a key=value line like our simulator's bench.

Usage: covasim_run.py --people N --days N [--pop-type hybrid|random] [--seed N]
"""
import argparse
import resource
import time


def vm_hwm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, required=True)
    ap.add_argument("--days", type=int, required=True)
    ap.add_argument("--pop-type", default="hybrid")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    t = time.perf_counter()
    import covasim as cv

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    sim = cv.Sim(pop_size=a.people, n_days=a.days, pop_type=a.pop_type, rand_seed=a.seed, verbose=0)
    sim.initialize()
    setup_s = time.perf_counter() - t
    t = time.perf_counter()
    sim.run()
    run_s = time.perf_counter() - t
    hwm = vm_hwm_bytes()
    infections = int(sim.results["cum_infections"][-1])
    print(
        f"covasim version={cv.__version__} pop_type={a.pop_type} people={a.people} days={a.days} "
        f"import_seconds={import_s:.2f} setup_seconds={setup_s:.2f} run_seconds={run_s:.2f} "
        f"seconds={setup_s + run_s:.2f} person_days_per_second={a.people * a.days / run_s:.0f} "
        f"peak_rss_bytes={hwm} bytes_per_person={hwm / a.people:.0f} infections={infections}"
    )


if __name__ == "__main__":
    main()
