#!/usr/bin/env python3
"""Runs the walk-through of docs/python.md and prints each cell and its output as Markdown, so the
document's output can be checked or regenerated: from the repository root,
    PYTHONPATH=build/python /usr/bin/python3 scripts/python_walkthrough.py
Cells are separated by lines holding only '##'."""
import contextlib
import io

CELLS = r'''
##
import pandas as pd
import reclink

# Every value as text, and only an empty field as missing: the CLI's reading of a CSV.
customers = pd.read_csv("datasets/demo/customers.csv", dtype=str, keep_default_na=False, na_values=[""])
print(customers.shape)
print(customers.head(3).to_string())
##
result = reclink.dedupe(customers, rules="datasets/demo/rules.toml")
print(result)
print(result.clusters.head(6).to_string())
##
print(result.summary["threshold"], "-", result.summary["threshold_source"])
print("candidate pairs:", result.summary["candidate_pairs"], " links:", result.summary["edges"])
print("cluster sizes:", result.summary["cluster_sizes"])
##
big = result.clusters.groupby("cluster_id").filter(lambda g: len(g) >= 3)
first = big["cluster_id"].iloc[0]
members = big.loc[big["cluster_id"] == first, "record_id"]
print(customers[customers["record_id"].isin(members)][["record_id", "first_name", "last_name", "dob", "email", "postcode"]].to_string())
##
result = reclink.dedupe(customers, rules="datasets/demo/rules.toml", with_pairs=True, truth="entity_id")
print(result.pairs.head(4).to_string())
print(len(result.pairs), "pairs at probability >= 0.5")
print({k: round(v, 4) for k, v in result.evaluation["pairwise"].items() if k in ("precision", "recall", "f1")})
##
e = reclink.evaluate(customers, rules="datasets/demo/rules.toml", truth="entity_id")
print("pairwise ", {k: round(e["pairwise"][k], 4) for k in ("precision", "recall", "f1")})
print("B-cubed  ", {k: round(e["bcubed"][k], 4) for k in ("precision", "recall", "f1")})
print("blocking recall", round(e["blocking_recall"], 4), " reduction ratio", round(e["reduction_ratio"], 6))
##
model = reclink.train(customers, rules="datasets/demo/rules.toml")
t = model["threshold"]
print("prior", round(model["prior"], 6), " threshold", round(t["probability"], 6),
      " expected precision", round(t["expected_precision"], 4), "recall", round(t["expected_recall"], 4))
for c in model["comparisons"]:
    print(f'{c["name"]:9}', "  ".join(f'{lv["label"]} {lv["weight"]:+.2f}' for lv in c["levels"][1:]))
##
x = reclink.explain(customers, rules="datasets/demo/rules.toml", model=model, pair=("417", "1161"))
print(f'prior weight {x["base_weight"]:+.2f}')
for c in x["comparisons"]:
    print(f'{c["name"]:9} {c["value_l"]!s:22} {c["value_r"]!s:22} {c["label"]:26} {c["weight"]:+6.2f} {c["running_weight"]:+7.2f}')
print(f'match weight {x["match_weight"]:.3f}, probability {x["match_probability"]:.6f}')
##
import tomllib
with open("datasets/demo/rules.toml", "rb") as f:
    rules = tomllib.load(f)
rules["link_type"] = "link"
crm = customers[customers["record_id"].astype(int) % 2 == 1]
shop = customers[customers["record_id"].astype(int) % 2 == 0]
linked = reclink.link({"crm": crm, "shop": shop}, rules=rules)
print(linked)
both = linked.clusters.groupby("cluster_id").filter(lambda g: g["source"].nunique() == 2)
print(both.sort_values("cluster_id").head(5).to_string())
##
rules["link_type"] = "dedupe"
rules["survivorship"] = {"default": "most_frequent", "fields": {"email": "longest"}}
golden = reclink.dedupe(customers, rules=rules)
print(golden.identities.sort_values(["records", "identity_id"], ascending=[False, True]).head(3).to_string())
##
try:
    reclink.dedupe(customers.drop(columns=["dob"]), rules="datasets/demo/rules.toml")
except reclink.UsageError as err:
    print(type(err).__name__, "| file:", err.file, "| line:", err.line, "| field:", err.field, "| exit code:", err.exit_code)
    print(err)
##
bad = customers.copy()
bad.loc[5, "record_id"] = "1"
try:
    reclink.dedupe(bad, rules="datasets/demo/rules.toml")
except reclink.InputDataError as err:
    print(type(err).__name__, "| file:", err.file, "| line:", err.line, "| field:", err.field, "| exit code:", err.exit_code)
    print(err)
##
one = reclink.dedupe(customers, rules="datasets/demo/rules.toml", threads=1)
two = reclink.dedupe(customers, rules="datasets/demo/rules.toml", threads=2)
print(one.clusters.equals(two.clusters), one.model == two.model)
'''


def main():
    scope = {}
    for cell in (c.strip("\n") for c in CELLS.split("##\n") if c.strip()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(cell, "<cell>", "exec"), scope)
        print("```python\n" + cell + "\n```\n```\n" + out.getvalue().rstrip("\n") + "\n```\n")


if __name__ == "__main__":
    main()
