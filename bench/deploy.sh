#!/usr/bin/env bash
# Deployment benchmarks (docs/benchmarks.md, "Deployments"): builds bench/DeployBench in Release (with the test app it
# deploys and capstan.dll for the instance shims), runs it, and writes its report between the deploy markers of
# docs/benchmarks.md. In one run, all on 127.0.0.1 and each part with its own server, HAProxy and instances, all
# stopped at the end of the part:
#   1. edge overhead: wrk on one instance directly vs through a bare HAProxy vs through the edge, saturated and
#      moderate, two rounds each, for the example app (examples/hello, published) and the test app;
#   2. failed requests while deploying v2 under a 400 requests/s load (keep-alive and new connections) for
#      LOAD_SECONDS, per strategy: blue-green, rolling (2 replicas), recreate;
#   3./4. REPEAT blue-green deploys each followed by a rollback: switch time and rollback time;
#   5. canary auto-abort: REPEAT canaries of a release with 5% errors under 200 requests/s, each on a fresh server:
#      time from canary start to the automatic abort and failed responses, beside Flagger's interval * threshold.
# Needs /usr/bin/wrk and /usr/sbin/haproxy. Takes about 8 minutes (with the build, 10) with the defaults; gives up after 20.
# One part alone: dotnet bench/DeployBench/bin/Release/net10.0/DeployBench.dll --only canary [--repeat N] (after the build).
# Usage: bench/deploy.sh [LOAD_SECONDS (30)] [REPEAT (5)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v wrk >/dev/null || { echo "deploy.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
dotnet build -c Release bench/DeployBench --nologo -v quiet -clp:ErrorsOnly
report="$(dotnet bench/DeployBench/bin/Release/net10.0/DeployBench.dll --load-seconds "${1:-30}" --repeat "${2:-5}")"
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/{print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")"
python3 - "$report" "$machine" <<'PY'
import sys, re
report, machine = sys.argv[1], sys.argv[2]
path = "docs/benchmarks.md"
text = open(path).read()
block = "<!-- deploy:begin -->\n" + report.rstrip() + f"\n\nMachine: {machine}.\n<!-- deploy:end -->"
if "<!-- deploy:begin -->" not in text:
    sys.exit("docs/benchmarks.md has no <!-- deploy:begin --> marker")
text = re.sub(r"<!-- deploy:begin -->.*?<!-- deploy:end -->", lambda _: block, text, flags=re.S)
open(path, "w").write(text)
PY
echo "$report"
