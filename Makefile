# trawl: `make demo` builds and opens the workbench on the bundled demo data; `make test` runs
# the whole suite (what CI runs). Nothing here downloads anything at run time; Go modules come
# from the module proxy at build time.

GO       ?= go
BIN      ?= bin/trawl
DEMO_DB  ?= $(or $(TMPDIR),/tmp)/trawl-demo.duckdb
FUZZTIME ?= 30s
BENCH_EVENTS ?= 1000000
BENCH_EVENTS_LARGE ?= 10000000
export CGO_ENABLED = 1

.PHONY: all build test test-deps vet fmt demo bench bench-tui fuzz clean

all: build

build:
	$(GO) build -o $(BIN) .

# The whole suite: formatting, vet, then every test (race detector off: DuckDB's cgo makes
# -race builds slow on two cores).
# Test tools come from Debian's packages, installed here when missing: chromium renders the HTML
# case report headless (the test skips, saying so, when it cannot be had) and tmux drives the
# real binary's workbench end to end.
TEST_PACKAGES ?= chromium tmux

test: test-deps
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 9m ./...

# The demo: import the bundled demo/ folder and the simulated company's assets and identities
# into a fresh store, hunt it with the built-in rules (which also scores the alerts into ranked
# incidents), then open the workbench on it. Only the summaries are printed. Without a terminal (CI, scripts, a pipe) it stops after them and says
# how to open the workbench; the store stays at $(DEMO_DB) for further commands (see README).
demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB).wal
	@echo "importing demo/ into $(DEMO_DB)"
	@$(BIN) --db $(DEMO_DB) import demo/ >/dev/null
	@$(BIN) --db $(DEMO_DB) context import demo/generated/trawl-context-assets.csv demo/generated/trawl-context-identities.csv >/dev/null
	@$(BIN) --db $(DEMO_DB) hunt >/dev/null
	@if [ -t 0 ] && [ -t 1 ]; then exec $(BIN) --db $(DEMO_DB) tui --write; fi; \
	echo "no terminal here, so the workbench was not opened; in a terminal run: $(BIN) --db $(DEMO_DB) tui --write"

# trawl bench evtx measures the sample .evtx files: without them (like the tests) it is skipped
# with a message rather than failing the whole target at its last step.
SAMPLES ?= $(or $(TRAWL_SAMPLES),../shared/samples)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(BIN) bench import --events $(BENCH_EVENTS)
	$(BIN) bench hunt --events $(BENCH_EVENTS)
	$(BIN) bench hunt --events $(BENCH_EVENTS_LARGE)
	$(BIN) bench sigma --events $(BENCH_EVENTS) --shared --no-solo
	$(BIN) bench sigma --events $(BENCH_EVENTS) --shared --no-solo --no-distinct
	$(BIN) bench sigma --events $(BENCH_EVENTS_LARGE) --shared --no-solo
	@if [ ! -d "$(SAMPLES)" ]; then echo "no samples at $(SAMPLES): trawl bench sigma over the EVTX samples skipped"; exit 0; fi; \
	db=$(or $(TMPDIR),/tmp)/trawl-sigma-evtx.duckdb; rm -f $$db $$db.wal; \
	$(BIN) --db $$db import --no-progress $(SAMPLES)/evtx-attack $(SAMPLES)/evtx-to-mitre $(SAMPLES)/deepblue $(SAMPLES)/chainsaw >/dev/null && \
	echo "$(BIN) bench sigma --store $$db --shared --before --memory-mb 0" && $(BIN) bench sigma --store $$db --shared --before --memory-mb 0
	@if [ ! -d "$(SAMPLES)" ]; then echo "no samples at $(SAMPLES) (set TRAWL_SAMPLES): trawl bench evtx skipped"; exit 0; fi; \
	command -v evtxexport >/dev/null && command -v evtx_dump.py >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq libevtx-utils python3-evtx; } || \
	  echo "reference EVTX tools could not be installed: trawl bench evtx reports them unavailable"; \
	echo "$(BIN) bench evtx --samples $(SAMPLES)"; $(BIN) bench evtx --samples "$(SAMPLES)"
	$(MAKE) bench-tui

test-deps:
	@missing=""; for p in $(TEST_PACKAGES); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing test tools from Debian:$$missing"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } || \
	  echo "could not install$$missing: the tests that need them skip and say so"; \
	fi

# Keypress-to-render latency of the workbench on a large store (issue 7: median under 100 ms,
# p99 under 250 ms), in process and through the real binary under tmux. The store is made once
# (at 10M events: about 30 minutes, 8 GB of temporary logs and a 10 GB store) and reused.
TUI_BENCH_EVENTS ?= 10000000
TUI_BENCH_DB     ?= $(or $(TMPDIR),/tmp)/trawl-tui-bench-$(TUI_BENCH_EVENTS).duckdb

bench-tui: build
	@if [ ! -f $(TUI_BENCH_DB).ok ]; then \
	  echo "making $(TUI_BENCH_DB) ($(TUI_BENCH_EVENTS) generated events, imported and hunted)"; \
	  d=$$(mktemp -d) && rm -f $(TUI_BENCH_DB) $(TUI_BENCH_DB).wal && \
	  $(BIN) generate --events $(TUI_BENCH_EVENTS) --out $$d >/dev/null && \
	  $(BIN) --db $(TUI_BENCH_DB) import $$d >/dev/null && $(BIN) --db $(TUI_BENCH_DB) hunt >/dev/null && \
	  touch $(TUI_BENCH_DB).ok; s=$$?; rm -rf $$d; exit $$s; \
	fi
	@$(BIN) --db $(TUI_BENCH_DB) stats >/dev/null  # a store made by an older trawl gets its schema brought up to date once
	TRAWL_TUI_BENCH_DB=$(TUI_BENCH_DB) $(GO) test -run '^$$' -bench 'BenchmarkKeypress' -benchtime 30x ./tui/workbench/
	TRAWL_TUI_BENCH_DB=$(TUI_BENCH_DB) $(GO) test -run '^$$' -bench 'BenchmarkIntegrationWorkbenchTmux' -benchtime 20x .

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
