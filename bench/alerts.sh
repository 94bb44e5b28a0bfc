#!/usr/bin/env bash
# Alerting benchmarks (docs/benchmarks.md, "Alerting"): builds bench/AlertBench in Release (with capstan.dll for the
# instance shims), runs it, and writes its report between the alerts markers of docs/benchmarks.md. In one run, all on
# 127.0.0.1, everything started stopped at the end of its part:
#   1. alert latency: the example app (published from examples/hello) fails every request from T on; time from T to
#      Capstan's critical alert at a webhook, ROUNDS times, beside a real Prometheus + Alertmanager tuned to 1 s and,
#      in the first round, one with their default settings, all watching the same app through the same edge;
#   2. evaluation time and memory of the alert rules over 10,000 series, beside a real Prometheus scraping them.
# Needs haproxy, prometheus and prometheus-alertmanager (Debian packages). Takes about 13 minutes; gives up after 14.
# Timings suffer from other work on the machine: the script waits (up to 10 minutes) while a `dotnet test` runs.
# One part alone: dotnet bench/AlertBench/bin/Release/net10.0/AlertBench.dll latency|series (after the build).
# Usage: bench/alerts.sh [ROUNDS (5)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for tool in haproxy prometheus prometheus-alertmanager; do
  command -v "$tool" >/dev/null || { echo "alerts.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
dotnet build -c Release bench/AlertBench --nologo -v quiet -clp:ErrorsOnly
for _ in $(seq 60); do
  pgrep -f "dotnet test" >/dev/null || break
  echo "alerts.sh: a dotnet test is running; waiting for it to end" >&2
  sleep 10
done
# A part that failed is in the report (and the exit status): the section is written either way.
status=0
report="$(dotnet bench/AlertBench/bin/Release/net10.0/AlertBench.dll all --rounds "${1:-5}")" || status=$?
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/{print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")"
python3 - "$report" "$machine" <<'PY'
import sys, re
report, machine = sys.argv[1], sys.argv[2]
path = "docs/benchmarks.md"
text = open(path).read()
block = "<!-- alerts:begin -->\n" + report.rstrip() + f"\n\nMachine: {machine}.\n<!-- alerts:end -->"
if "<!-- alerts:begin -->" not in text:
    sys.exit("docs/benchmarks.md has no <!-- alerts:begin --> marker")
text = re.sub(r"<!-- alerts:begin -->.*?<!-- alerts:end -->", lambda _: block, text, flags=re.S)
open(path, "w").write(text)
PY
echo "$report"
exit "$status"
