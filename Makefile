# numberd — see README.md. `make run` serves on embedded SQLite; `make test`
# runs the whole suite on SQLite, and again on MySQL/MariaDB when
# NUMBERD_TEST_MYSQL is set (e.g. mysql://root@127.0.0.1:3306).
GO      ?= go
MODULE  := numberd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
TESTFLAGS ?= -race -shuffle=on -count=1 -timeout 20m

.PHONY: run build test test-sqlite test-mysql generate check-generated lint lint-imports bench db-up clean

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

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./service/...

db-up:
	docker compose up -d mysql

clean:
	rm -rf bin data
