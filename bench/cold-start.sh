#!/usr/bin/env bash
# Cold-start wall time of `capstan validate examples/hello`, measured with hyperfine, beside its baselines in the
# same run: the same CLI built without ReadyToRun (plain JIT), and an empty .NET program (the runtime's floor).
# Writes the table into docs/benchmarks.md between the cold-start markers.
#   bench/cold-start.sh [RUNS]      (default 30 runs after 3 warm-ups)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${1:-30}"
out="$root/artifacts/bench"
rid=linux-x64; [ "$(uname -m)" = aarch64 ] && rid=linux-arm64

if ! command -v hyperfine >/dev/null 2>&1; then
  echo "installing hyperfine (Debian package)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq hyperfine >/dev/null
fi

publish() { dotnet publish "$1" -c Release -r "$rid" --self-contained false -o "$2" --nologo -v quiet "${@:3}" >/dev/null; }
echo "publishing the CLI (ReadyToRun, as ./capstan builds it), the CLI without ReadyToRun, and the empty program"
publish src/Capstan.Cli/Capstan.Cli.csproj "$out/cli-r2r" -p:PublishReadyToRun=true
publish src/Capstan.Cli/Capstan.Cli.csproj "$out/cli-jit" -p:PublishReadyToRun=false
publish bench/StartupFloor/StartupFloor.csproj "$out/floor" -p:PublishReadyToRun=true
./capstan --version >/dev/null 2>&1 # make sure ./capstan itself is built, so that its timing is a start, not a build

hyperfine --warmup 3 --runs "$runs" --export-markdown "$out/cold-start.md" --export-json "$out/cold-start.json" \
  -n "capstan validate (ReadyToRun, shipped)" "$out/cli-r2r/capstan validate examples/hello" \
  -n "./capstan validate (root script + ReadyToRun)" "./capstan validate examples/hello" \
  -n "baseline: capstan validate without ReadyToRun" "$out/cli-jit/capstan validate examples/hello" \
  -n "baseline: empty .NET program (runtime floor)" "$out/floor/StartupFloor"

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat "$out/cold-start.md")
section=$(cat <<SECTION
<!-- cold-start:begin -->
Measured $(date -u +%Y-%m-%d) with \`bench/cold-start.sh $runs\` (hyperfine $(hyperfine --version | cut -d' ' -f2), $runs runs after 3 warm-ups),
on $(nproc) cores of $cpu, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), .NET SDK $(dotnet --version).

$table
<!-- cold-start:end -->
SECTION
)
doc="$root/docs/benchmarks.md"
# Replace what stands between the markers with the new section.
SECTION="$section" awk '
  /<!-- cold-start:begin -->/ { print ENVIRON["SECTION"]; skip = 1; next }
  /<!-- cold-start:end -->/ { skip = 0; next }
  !skip { print }
' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
cat "$out/cold-start.md"
