# numberd — see README.md. `make run` serves on embedded SQLite; `make test`
# runs the whole suite on SQLite, and again on MySQL/MariaDB when
# NUMBERD_TEST_MYSQL is set (e.g. mysql://root@127.0.0.1:3306).
GO      ?= go
MODULE  := numberd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
TESTFLAGS ?= -race -shuffle=on -count=1 -timeout 20m

FUZZTIME ?= 30s

.PHONY: run build test test-sqlite test-mysql test-galera generate check-generated lint lint-imports bench bench-import bench-tool bench-data bench-http fuzz db-up clean docs-assets playground-assets

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
	cd locality && $(GO) generate .

# Regenerates and fails if anything committed differs.
check-generated: generate
	@git diff --exit-code -- graph/ locality/ || (echo "generated code is out of date: run make generate and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- graph/ locality/)" || (git status --porcelain -- graph/ locality/; echo "untracked generated files" >&2; exit 1)

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
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./carriers/... | grep -E 'gorm\.io|99designs|$(MODULE)/(store|service|graph|rest|locality)( |$$)'
	@! $(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./locality | grep -E 'gorm\.io|99designs|net/http|$(MODULE)/(store|service|graph|rest|carriers)'
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

# Imports 100,000 numbers into SQLite, then MariaDB (NUMBERD_TEST_MYSQL);
# the requirement is under 30 s each on a 2-core machine.
bench-import:
	$(GO) test -run '^$$' -bench '^BenchmarkImport100k$$' -benchtime 1x ./server/
	NUMBERD_TEST_DB=mysql $(GO) test -run '^$$' -bench '^BenchmarkImport100k$$' -benchtime 1x ./server/

# Runs each fuzzer for FUZZTIME (make test runs only their seeds:
# f.Add and testdata/fuzz). New failing inputs land in testdata/fuzz: commit
# them with the fix.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseNumber$$' -fuzztime $(FUZZTIME) ./models/
	$(GO) test -run '^$$' -fuzz '^FuzzPathNumber$$' -fuzztime $(FUZZTIME) ./rest/
	$(GO) test -run '^$$' -fuzz '^FuzzHandler_NumberPath$$' -fuzztime $(FUZZTIME) ./rest/
	$(GO) test -run '^$$' -fuzz '^FuzzHandler_Body$$' -fuzztime $(FUZZTIME) ./rest/

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

# The GraphQL playground's JavaScript and CSS, embedded in the binary
# (graph/playground/assets, committed): pinned versions fetched from the npm
# registry with `npm pack`, so numberd serves them itself (no CDN). Run it
# only to change a version; assets/VERSIONS records what was fetched.
GRAPHIQL_VERSION   ?= 4.1.2
REACT_VERSION      ?= 18.2.0
GRAPHQL_WS_VERSION ?= 5.16.2
PLAYGROUND_ASSETS  := graph/playground/assets

playground-assets:
	@command -v npm >/dev/null || { echo "npm is needed (apt-get install -y npm)" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cd "$$tmp"; \
	npm pack --silent graphiql@$(GRAPHIQL_VERSION) react@$(REACT_VERSION) react-dom@$(REACT_VERSION) graphql-ws@$(GRAPHQL_WS_VERSION) >/dev/null; \
	for p in graphiql-$(GRAPHIQL_VERSION) react-$(REACT_VERSION) react-dom-$(REACT_VERSION) graphql-ws-$(GRAPHQL_WS_VERSION); do \
		mkdir -p $$p && tar xzf $$p.tgz -C $$p --strip-components=1; done; \
	cd - >/dev/null; out=$(PLAYGROUND_ASSETS); rm -f $$out/*.js $$out/*.css; \
	cp "$$tmp"/graphiql-$(GRAPHIQL_VERSION)/graphiql.min.js "$$tmp"/graphiql-$(GRAPHIQL_VERSION)/graphiql.min.css $$out/; \
	cp "$$tmp"/react-$(REACT_VERSION)/umd/react.production.min.js $$out/; \
	cp "$$tmp"/react-dom-$(REACT_VERSION)/umd/react-dom.production.min.js $$out/; \
	cp "$$tmp"/graphql-ws-$(GRAPHQL_WS_VERSION)/umd/graphql-ws.min.js $$out/; \
	{ echo "# Fetched by make playground-assets from the npm registry (npm pack)."; \
	  echo "graphiql@$(GRAPHIQL_VERSION) react@$(REACT_VERSION) react-dom@$(REACT_VERSION) graphql-ws@$(GRAPHQL_WS_VERSION)"; \
	  (cd $$out && sha256sum *.js *.css); } > $$out/VERSIONS
	@cat $(PLAYGROUND_ASSETS)/VERSIONS
