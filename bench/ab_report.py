"""The report of an A B B A comparison (bench/night_ab.sh, bench/full_ab.sh): medians of wall,
user and system time, peak RSS and each stage for A and B with B/A, the per-round wall ratio and
every run's wall time. `runs` maps "A" and "B" to lists of {"wall", "user", "sys", "rss",
"stages": {name: seconds}}, two runs per round in each."""
import statistics


def print_report(title, bins, envs, runs, rounds):
    med = lambda v, key: statistics.median(x[key] for x in runs[v])
    print(title)
    print(f"A: {bins['A']} {' '.join(envs['A'])}".rstrip())
    print(f"B: {bins['B']} {' '.join(envs['B'])}".rstrip())
    print(f"{'median':<16}{'A':>10}{'B':>10}{'B/A':>8}")
    for key, unit in (("wall", "s"), ("user", "s"), ("sys", "s"), ("rss", "MB")):
        a, b = med("A", key), med("B", key)
        print(f"{key + ' (' + unit + ')':<16}{a:>10.3f}{b:>10.3f} {b / a if a else 0:>8.3f}")
    for name in runs["A"][0]["stages"]:
        a = statistics.median(x["stages"].get(name, 0) for x in runs["A"])
        b = statistics.median(x["stages"].get(name, 0) for x in runs["B"])
        print(f"{name:<16}{a:>10.3f}{b:>10.3f} {b / a if a else 0:>8.3f}")
    # Within each round, B's two runs against A's two: the ratio of their sums, median over rounds.
    per = [sum(x["wall"] for x in runs["B"][2 * r:2 * r + 2]) / sum(x["wall"] for x in runs["A"][2 * r:2 * r + 2])
           for r in range(rounds)]
    print(f"per-round wall ratio B/A: median {statistics.median(per):.3f} (range {min(per):.3f}-{max(per):.3f})")
    print("walls A:", " ".join(f"{x['wall']:.3f}" for x in runs["A"]))
    print("walls B:", " ".join(f"{x['wall']:.3f}" for x in runs["B"]))
