#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD_DIR (or only the NAMEs given) for SECONDS each,
# starting from its seed corpus in fuzz/corpus/<name>/ and the inputs of fixed crashes in
# fuzz/regressions/<name>/. New inputs go to a scratch corpus under BUILD_DIR, never into the
# checked-in seeds; a crash, leak or timeout leaves its reproducer in
# BUILD_DIR/fuzz-artifacts/<name>/ (docs/fuzzing.md says how to turn it into a regression test).
#   usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS [NAME...]
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS [NAME...]" >&2
  exit 2
fi
build_dir=$1
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)

mapfile -t fuzzers < <(find "$build_dir" -type f -name 'fuzz_*' -perm -u+x | sort)
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "no fuzz_* targets in $build_dir (build them with: make fuzz-build)" >&2
  exit 1
fi

status=0
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  name=${name#fuzz_}
  if [[ $# -gt 0 && ! " $* " == *" $name "* ]]; then
    continue
  fi
  seeds=$root/fuzz/corpus/$name
  regressions=$root/fuzz/regressions/$name
  work=$build_dir/fuzz-corpus/$name
  artifacts=$build_dir/fuzz-artifacts/$name
  mkdir -p "$work" "$artifacts"
  echo "== $name: ${seconds}s"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/" "$work")
  [[ -d $seeds ]] && args+=("$seeds")
  [[ -d $regressions ]] && args+=("$regressions")
  if ! "$fuzzer" "${args[@]}"; then
    echo "== $name FAILED: reproducer in $artifacts" >&2
    status=1
  fi
done
exit $status
