#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR for SECONDS each, starting from its seed corpus
# in fuzz/corpus/<name>/. New inputs go to a scratch corpus under BUILD_DIR, never into the
# checked-in seeds; a crash leaves its reproducer in BUILD_DIR/fuzz-artifacts/<name>/.
#   usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)

mapfile -t fuzzers < <(find "$build_dir" -type f -name 'fuzz_*' -perm -u+x | sort)
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "no fuzz_* targets in $build_dir (configure with the 'fuzz' preset: make fuzz)" >&2
  exit 1
fi

status=0
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  name=${name#fuzz_}
  seeds=$root/fuzz/corpus/$name
  work=$build_dir/fuzz-corpus/$name
  artifacts=$build_dir/fuzz-artifacts/$name
  mkdir -p "$work" "$artifacts"
  echo "== $name: ${seconds}s"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/" "$work")
  [[ -d $seeds ]] && args+=("$seeds")
  if ! "$fuzzer" "${args[@]}"; then
    echo "== $name FAILED: reproducer in $artifacts" >&2
    status=1
  fi
done
exit $status
