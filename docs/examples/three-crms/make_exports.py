#!/usr/bin/env python3
"""Builds three CRM exports from the demo customers (datasets/demo/customers.csv), dealt
round-robin, each the way a different system writes it:

  crm.csv       the demo's own CSV (day-first dates, lower-case e-mails)
  shop.csv.gz   gzipped, ';'-separated, other column names, US (month-first) dates, upper-case
                e-mails, ids prefixed with S
  app.jsonl     JSON Lines with nested objects and numeric ids

Usage: make_exports.py OUT_DIR   (then: reclink link --rules OUT_DIR/rules.toml --out ...)
"""
import csv
import gzip
import json
import os
import re
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
demo = os.path.join(here, "..", "..", "..", "datasets", "demo", "customers.csv")
out = sys.argv[1] if len(sys.argv) > 1 else "three-crms"
os.makedirs(out, exist_ok=True)
columns = ["record_id", "entity_id", "first_name", "last_name", "dob", "email", "phone", "address", "city", "postcode"]
with open(demo, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
with open(os.path.join(out, "crm.csv"), "w", newline="", encoding="utf-8") as crm, \
        gzip.open(os.path.join(out, "shop.csv.gz"), "wt", newline="", encoding="utf-8") as shop, \
        open(os.path.join(out, "app.jsonl"), "w", encoding="utf-8") as app:
    crm_out = csv.writer(crm, lineterminator="\n")
    crm_out.writerow(columns)
    shop_out = csv.writer(shop, delimiter=";", lineterminator="\n")
    shop_out.writerow(["CustNo", "entity_id", "Given", "Family", "Birth", "Mail", "Tel", "Street", "Town", "Zip"])
    for i, r in enumerate(rows):
        if i % 3 == 0:
            crm_out.writerow([r[c] for c in columns])
        elif i % 3 == 1:
            m = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", r["dob"])
            dob = f"{m[2]}/{m[1]}/{m[3]}" if m else r["dob"]
            shop_out.writerow(["S" + r["record_id"], r["entity_id"], r["first_name"], r["last_name"], dob,
                               r["email"].upper(), r["phone"], r["address"], r["city"], r["postcode"]])
        else:
            def v(c):
                return r[c] or None
            app.write(json.dumps({
                "user": {"id": int(r["record_id"]), "name": {"given": v("first_name"), "family": v("last_name")}},
                "entity_id": r["entity_id"], "birth": v("dob"),
                "contact": {"email": v("email"), "phone": v("phone")},
                "address": {"line1": v("address"), "city": v("city"), "postcode": v("postcode")},
            }) + "\n")
shutil.copy(os.path.join(here, "rules.toml"), os.path.join(out, "rules.toml"))
print(f"wrote {out}/crm.csv, {out}/shop.csv.gz, {out}/app.jsonl and {out}/rules.toml")
