#!/usr/bin/env bash
# The HTML report in a real browser: `reclink dedupe --report` on the shipped demo, report.html
# loaded from disk in headless Chromium. Checks the DOM after the page's script ran (every chart
# has marks, no script error, no console error), saves a screenshot (WORK/report.png) and checks
# it is a PNG; then `reclink report` on the demo plus records whose names hold a <script> that
# would mark the page if it ran. Fails, never skips, when chromium is missing.
# usage: report_browser_test.sh RECLINK SOURCE_DIR WORK_DIR
set -euo pipefail
BIN=$1
SRC=$2
WORK=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || fail "chromium is not installed; scripts/setup.sh installs it (apt-get install chromium)"
rm -rf "$WORK"
mkdir -p "$WORK"
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
# Headless as root (CI): no sandbox, and nothing that reaches the network on its own.
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$PROFILE" --enable-logging=stderr --v=0)

# Loads FILE, writes its DOM after load to OUT and Chromium's log to OUT.log.
dump_dom() {
  timeout 120 "$CHROME" "${FLAGS[@]}" --dump-dom "file://$1" >"$2" 2>"$2.log" || fail "chromium --dump-dom failed on $1 (log: $2.log)"
}
# The attribute NAME of the <html> element in DOM file $1 ("" when absent).
html_attr() { sed -n 's/.*<html[^>]* '"$2"'="\([^"]*\)".*/\1/p' "$1" | head -1; }
check_page() {
  local dom=$1
  grep -q '<html' "$dom" || fail "$dom: no <html> in the dumped DOM"
  [ -z "$(html_attr "$dom" data-report-error)" ] || fail "$dom: the page reported an error: $(html_attr "$dom" data-report-error)"
  [ "$(html_attr "$dom" data-report-ready)" = 1 ] ||
    fail "$dom: the page's script did not finish (data-report-ready='$(html_attr "$dom" data-report-ready)', empty charts: '$(html_attr "$dom" data-empty-charts)')"
  # The page logs nothing: any console line (an error, an uncaught exception) or refused load (the
  # page's policy forbids every load) in Chromium's log fails.
  if grep -E 'CONSOLE|Refused to' "$dom.log"; then
    fail "$dom: console errors in $dom.log"
  fi
}

IN="$SRC/datasets/demo/customers.csv"
RULES="$SRC/datasets/demo/rules.toml"
"$BIN" dedupe --report --truth entity_id --rules "$RULES" --out "$WORK/out" --quiet "$IN" || fail "reclink dedupe --report failed"
[ -s "$WORK/out/report.html" ] || fail "no report.html in $WORK/out"
dump_dom "$WORK/out/report.html" "$WORK/dom.html"
check_page "$WORK/dom.html"
charts=$(html_attr "$WORK/dom.html" data-charts)
[ "$charts" -ge 10 ] || fail "expected at least 10 charts (5 sections and the waterfalls), the page counted $charts"
for id in chart-blocking chart-weights chart-histogram chart-cluster-sizes chart-accuracy waterfall-borderline-1 \
          waterfall-false-1 waterfall-missed-1; do
  grep -q "id=\"$id\"" "$WORK/dom.html" || fail "chart $id is not in the DOM"
done
grep -Eq 'id="cluster-count"[^>]*>[0-9]+ of [0-9]+ clusters shown' "$WORK/dom.html" || fail "the cluster viewer's filter did not run"

timeout 120 "$CHROME" "${FLAGS[@]}" --window-size=1200,2400 --screenshot="$WORK/report.png" "file://$WORK/out/report.html" \
  >"$WORK/screenshot.log" 2>&1 || fail "chromium --screenshot failed (log: $WORK/screenshot.log)"
[ -s "$WORK/report.png" ] || fail "no screenshot at $WORK/report.png"
[ "$(head -c 8 "$WORK/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$WORK/report.png is not a PNG"
[ "$(stat -c %s "$WORK/report.png")" -gt 20000 ] || fail "$WORK/report.png is suspiciously small"

# Injection: 30 identical records (the largest cluster, so the viewer shows their raw values)
# whose first name is a script that would mark the page.
cp "$IN" "$WORK/injected.csv"
for i in $(seq 1 30); do
  echo "90000$i,999999,\"<script>document.documentElement.setAttribute('data-injected','1')</script>\",\"<b>Bold</b>\",01/01/1970,inj@example.com,020-0000-0000,1 Script Street,London,N1 1AA" >>"$WORK/injected.csv"
done
mkdir -p "$WORK/injected"
echo keep >"$WORK/injected/keep.txt"  # reclink report replaces only report.html in --out
"$BIN" report --rules "$RULES" --out "$WORK/injected" --quiet "$WORK/injected.csv" || fail "reclink report failed"
[ "$(cat "$WORK/injected/keep.txt" 2>/dev/null)" = keep ] || fail "reclink report did not keep another file in --out"
[ "$(ls "$WORK/injected")" = "$(printf 'keep.txt\nreport.html')" ] || fail "reclink report wrote more than report.html: $(ls "$WORK/injected")"
grep -q "&lt;script&gt;document.documentElement" "$WORK/injected/report.html" || fail "the injected records are not shown (escaped) in the report"
dump_dom "$WORK/injected/report.html" "$WORK/injected-dom.html"
check_page "$WORK/injected-dom.html"
[ -z "$(html_attr "$WORK/injected-dom.html" data-injected)" ] || fail "a record's value ran as a script"
grep -q '<b>Bold' "$WORK/injected-dom.html" && fail "a record's value became markup"
echo "report_browser_test: ok ($charts charts; screenshot $WORK/report.png)"
