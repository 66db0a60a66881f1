# numberd — see README.md. `make run` serves on embedded SQLite; `make test`
# runs the whole suite on SQLite, and again on MySQL/MariaDB when
# NUMBERD_TEST_MYSQL is set (e.g. mysql://root@127.0.0.1:3306).
GO      ?= go
MODULE  := numberd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
TESTFLAGS ?= -race -shuffle=on -count=1 -timeout 20m

.PHONY: run build test test-sqlite test-mysql test-galera generate check-generated lint lint-imports bench bench-tool bench-data bench-http db-up clean docs-assets

run:
	$(GO) run ./server

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/numberd ./server

test: test-sqlite
	@if [ -n "$$NUMBERD_TEST_MYSQL" ]; then $(MAKE) --no-print-directory test-mysql; \
	else echo "NUMBERD_TEST_MYSQL is not set: the MySQL/MariaDB run was not done (see README)."; fi

test-sqlite:
	@echo "== tests on SQLite"
	$(GO) test $(TESTFLAGS) ./...

test-mysql:
	@echo "== tests on MySQL/MariaDB ($${NUMBERD_TEST_MYSQL:-mysql://root@127.0.0.1:3306})"
	NUMBERD_TEST_DB=mysql $(GO) test $(TESTFLAGS) ./...

# A 3-node MariaDB Galera cluster on loopback, three numberd instances, a
# race across them, then a node killed and brought back (see README,
# "Running at scale"). Needs mariadb-server, galera-4 and rsync; run as root.
test-galera:
	$(GO) test -tags galera -count=1 -v -timeout 20m ./internal/clustertest/

generate:
	$(GO) tool gqlgen generate

# Regenerates and fails if anything committed differs.
check-generated: generate
	@git diff --exit-code -- graph/ || (echo "generated code is out of date: run make generate and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- graph/)" || (git status --porcelain -- graph/; echo "untracked generated files" >&2; exit 1)

lint: lint-imports
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed" >&2; exit 1)

# The dependency direction of STYLE.md: server → {graph, rest} → service → store → models.
lint-imports:
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./models/... | grep -E 'gorm\.io|$(MODULE)/(store|service|graph|rest)|net/http|99designs'
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./store/... | grep -E '$(MODULE)/(service|graph|rest)|99designs|net/http'
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./service/... | grep -E '$(MODULE)/(graph|rest)|99designs|"net/http"| net/http( |$$)'
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./graph/... ./rest/... | grep -E 'gorm\.io|$(MODULE)/store( |$$)'
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./rest/... | grep -E '99designs|$(MODULE)/graph'
	@echo "import directions OK"

# The /docs page renders rest/openapi/openapi.yaml with Redoc's standalone
# bundle, embedded in the binary so the page works offline. This target
# fetches the pinned version from the npm registry; its output is committed.
REDOC_VERSION := 2.5.4
DOCS_ASSETS   := rest/openapi/assets
docs-assets:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent redoc@$(REDOC_VERSION) >/dev/null && tar xzf redoc-$(REDOC_VERSION).tgz) && \
	cp "$$tmp/package/bundles/redoc.standalone.js" $(DOCS_ASSETS)/redoc.standalone.js && \
	cp "$$tmp/package/LICENSE" $(DOCS_ASSETS)/redoc.LICENSE && \
	cp "$$tmp/package/bundles/redoc.standalone.js.LICENSE.txt" $(DOCS_ASSETS)/redoc.standalone.js.LICENSE.txt && \
	echo "redoc@$(REDOC_VERSION) from the npm registry (make docs-assets)" > $(DOCS_ASSETS)/VERSION && \
	(cd $(DOCS_ASSETS) && sha256sum redoc.standalone.js >> VERSION) && cat $(DOCS_ASSETS)/VERSION

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./service/...

# The million-number benchmark (README, "Performance"): numberd against a
# database/sql baseline on SQLite and MariaDB. BENCH_DBS lists the engines
# (numberd --db values); the data sets are built when missing.
# BENCH_FLAGS passes options (-duration 10s -c 16 -quick -profile DIR ...).
BENCH_SQLITE ?= sqlite:./data/bench/numberd.db
BENCH_MYSQL  ?= mysql://root@127.0.0.1:3306/numberd_bench
BENCH_DBS    ?= $(BENCH_SQLITE) $(BENCH_MYSQL)
BENCH_FLAGS  ?=
BENCH_MD     ?= data/bench/results.md

bench-tool: build
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/numberd-bench ./bench

bench-data: bench-tool
	@for db in $(BENCH_DBS); do bin/numberd-bench data -db $$db || exit 1; done

bench-http: bench-tool
	bin/numberd-bench run -numberd bin/numberd $(foreach db,$(BENCH_DBS),-db $(db)) -markdown $(BENCH_MD) $(BENCH_FLAGS)

db-up:
	docker compose up -d mysql

clean:
	rm -rf bin data
