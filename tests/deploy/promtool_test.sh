#!/usr/bin/env bash
# Checks deploy/prometheus with promtool: the scrape config and alert rules
# parse (templates included), and every alert fires and stays quiet exactly
# as tests/deploy/sipsteer-alerts.test.yml says. Exit 77 (skipped) without
# promtool (Debian package prometheus, in deploy/install-deps.sh).
set -uo pipefail
src=${1:?usage: promtool_test.sh <source dir>}
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

cp "$src/deploy/prometheus/prometheus.yml" "$src/deploy/prometheus/sipsteer-alerts.yml" "$work/"
(cd "$work" && promtool check config prometheus.yml) || failures=$((failures + 1))
promtool check rules "$src/deploy/prometheus/sipsteer-alerts.yml" || failures=$((failures + 1))

# The unit tests compare labels only: annotations (single lines in the rule
# file) are stripped from a copy so the test does not pin their wording.
sed -E '/^[[:space:]]+(annotations|summary|description):/d' "$src/deploy/prometheus/sipsteer-alerts.yml" \
  >"$work/sipsteer-alerts.rules.yml"
cp "$src/tests/deploy/sipsteer-alerts.test.yml" "$work/"
# Every alert of the rule file must have at least one scenario.
for alert in $(sed -n 's/^[[:space:]]*- alert:[[:space:]]*//p' "$src/deploy/prometheus/sipsteer-alerts.yml"); do
  grep -q "alertname: $alert\$" "$work/sipsteer-alerts.test.yml" || { echo "FAIL: no promtool scenario for $alert"; failures=$((failures + 1)); }
done
(cd "$work" && promtool test rules sipsteer-alerts.test.yml) || failures=$((failures + 1))

[ $failures -eq 0 ] && echo "prometheus assets: OK" || echo "prometheus assets: $failures failure(s)"
[ $failures -eq 0 ]
