#!/usr/bin/env bash
# Pipeline benchmarks (docs/benchmarks.md): builds the CLI as ./capstan does, runs bench/PipelineBench, and writes its
# report between the pipeline markers of docs/benchmarks.md. Usage: bench/pipeline.sh [REPEAT]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./capstan --version >/dev/null   # builds artifacts/cli when the sources changed
report="$(dotnet run -c Release --project bench/PipelineBench -- --repeat "${1:-5}" --capstan "$root/artifacts/cli/capstan")"
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/{print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")"
python3 - "$report" "$machine" <<'PY'
import sys, re
report, machine = sys.argv[1], sys.argv[2]
path = "docs/benchmarks.md"
text = open(path).read()
block = "<!-- pipeline:begin -->\n" + report.rstrip() + f"\n\nMachine: {machine}.\n<!-- pipeline:end -->"
text = re.sub(r"<!-- pipeline:begin -->.*?<!-- pipeline:end -->", lambda _: block, text, flags=re.S)
open(path, "w").write(text)
PY
echo "$report"
