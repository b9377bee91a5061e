# npufleet: the two commands of the quick start are `make demo` and `make test`.
# Each installs what is missing (scripts/install-deps.sh), configures, builds with -j2 and runs.

PRESET ?= default
BUILD  := build/$(PRESET)
JOBS   ?= 2

.PHONY: all deps build web web-dist test test-native test-fuzz test-web test-asan test-tsan demo release bench soak fuzz fuzz-build clean format

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@[ -f $(BUILD)/build.ninja ] || cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Every suite: C++ unit and integration (ctest, which also replays every fuzz corpus and
# regression input through the fuzz harnesses), a short libFuzzer run of every fuzz target, the
# UI's type check and unit tests, then the browser end-to-end test against a real control plane
# and worker.
test: test-native test-fuzz test-web

test-native: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-web: build
	@scripts/web-test.sh
	@scripts/e2e.sh $(BUILD)

# The built admin UI (web/dist), without running its tests.
web-dist:
	@scripts/web-test.sh --build-only

test-asan:
	@$(MAKE) --no-print-directory PRESET=asan test-native

# Every suite under TSan but the fuzz replays (not built in that preset). The integration
# suites start the TSan-built npufleet binary with the same TSAN_OPTIONS, so a race in a server
# or worker process stops it (exit 66) and fails its test.
test-tsan:
	@$(MAKE) --no-print-directory PRESET=tsan build
	@cd build/tsan && TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan-suppressions.txt" \
		ctest --output-on-failure -j $(JOBS)

# One self-contained binary with the web UI compiled in: build/release/src/app/npufleet.
release: deps
	@[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target npufleet

demo: build web-dist
	@$(BUILD)/src/app/npufleet dev

bench: PRESET=default
bench:
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh $(BUILD)

# Soak (not in CI; docs/reliability.md): a control plane and three workers under mixed API and
# inference traffic for SOAK_SECONDS while workers restart; results in build/soak/.
SOAK_SECONDS ?= 600

soak: build
	@SOAK_SECONDS=$(SOAK_SECONDS) scripts/soak.sh $(BUILD)

# The libFuzzer targets (clang-14, build/fuzz; docs/fuzzing.md): `make test` runs each for
# NPUFLEET_FUZZ_SMOKE_SECONDS (10) through ctest, `make fuzz` for FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60

fuzz-build: deps
	@[ -f build/fuzz/build.ninja ] || cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j $(JOBS) --target fuzzers

test-fuzz: fuzz-build
	@cd build/fuzz && ctest --output-on-failure -j $(JOBS) -L fuzz

fuzz: fuzz-build
	@scripts/run-fuzzers.sh build/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i
