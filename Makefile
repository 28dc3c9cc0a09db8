# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)
# Node folders, each with its own package.json and package-lock.json: the portal's sources, the
# test tools and the benchmark's peer.
NPM_DIRS := portal tests/http_audit tests/apollo_client tests/browser tests/ws_client tests/relay tests/schema_lint bench/postgraphile
TYPED  := config.py cli.py server.py models policies services schema resolvers web migrations tests bench

.PHONY: install run test lint typecheck pytest schema lock npm-deps clean bench graphiql \
	portal portal-check portal-test portal-screenshots

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## Start the server on SQLite (data/app.db) with GraphiQL at http://127.0.0.1:8000/graphql
run: install
	$(BIN)/python cli.py run

## The whole suite on SQLite and PostgreSQL, plus ruff and mypy --strict, the portal's component
## tests and the check that its committed build is what its sources build
test: install npm-deps lint typecheck portal-test portal-check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(TYPED)

pytest: install
	$(BIN)/pytest

# The Node test tools (the GraphQL-over-HTTP audit, ...), installed from their lock files;
# without npm their tests skip (and fail in CI).
npm-deps:
	@if command -v npm >/dev/null 2>&1; then \
		for dir in $(NPM_DIRS); do \
			[ $$dir/node_modules/.package-lock.json -nt $$dir/package-lock.json ] || \
			npm ci --prefix $$dir --no-audit --no-fund --loglevel=error || exit 1; \
		done; \
	else echo "npm not found: the tests that drive Node clients will be skipped"; fi

## Rebuild the portal (portal/ → web/static/portal, served at /portal): install from the lock
## file, generate the typed operations and possibleTypes from schema.graphql, type-check, build
portal:
	[ portal/node_modules/.package-lock.json -nt portal/package-lock.json ] || \
		npm ci --prefix portal --no-audit --no-fund --loglevel=error
	npm run --prefix portal codegen --silent
	npm run --prefix portal build --silent

# CI: the committed build and generated files must be exactly what `make portal` makes.
# Without npm: skipped on a developer machine, failed where CI is set.
portal-check:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory portal && \
		git diff --exit-code --stat -- web/static/portal portal/src/gql && \
		test -z "$$(git status --porcelain --untracked-files=all -- web/static/portal portal/src/gql)" || \
		{ echo "web/static/portal or portal/src/gql differs from a fresh build: run make portal and commit"; exit 1; }; \
	elif [ -n "$$CI" ]; then echo "npm is required to check the portal's build"; exit 1; \
	else echo "npm not found: the portal's build check is skipped"; fi

# The portal's component tests (Vitest, jsdom).
portal-test: npm-deps
	@if command -v npm >/dev/null 2>&1; then npm test --prefix portal --silent; \
	elif [ -n "$$CI" ]; then echo "npm is required for the portal's tests"; exit 1; \
	else echo "npm not found: the portal's component tests are skipped"; fi

## Refresh the screenshots in docs/portal (the portal's browser test, at 1440 and 375 px)
portal-screenshots: install npm-deps
	PORTAL_SCREENSHOTS=docs/portal $(BIN)/pytest -q -p no:randomly tests/test_portal_browser.py

## Seed PostgreSQL with a full-size platform and benchmark the API against a raw baseline and
## PostGraphile, then on a platform a tenth the size (writes docs/benchmarks.md;
## BENCH_DATABASE_URL names the database, dropped first), then
## W7: subscribers over two server processes (docs/benchmarks-realtime.md)
bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.realtime

## Regenerate schema.graphql from the code (a test fails when it drifts)
schema: install
	$(BIN)/python -m schema.export > schema.graphql

## Refresh GraphiQL's served files (web/static/graphiql + manifest.json) from the npm packages
## pinned in tools/graphiql (change a pin there with `npm install --package-lock-only` first)
graphiql:
	npm ci --prefix tools/graphiql --no-audit --no-fund --loglevel=error
	node tools/graphiql/build.mjs

## Re-pin requirements.lock from pyproject.toml
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis $(addsuffix /node_modules,$(NPM_DIRS) tools/graphiql)
