# Meldpunt — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint install install-test install-bench bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

run: install
	$(BIN)/meldpunt init
	$(BIN)/meldpunt demo
	$(BIN)/meldpunt run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check app tests migrations benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: install-test
	$(BIN)/ruff check app tests migrations benchmarks

# Benchmarks of issue #11 (not part of make test): PostgreSQL, gunicorn, locust.
# Writes benchmarks/RESULTS.md; about 45 minutes on 2 cores. bench-quick: a smoke run.
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

install-bench: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'

bench: install-bench
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python -m benchmarks.run_all

bench-quick: install-bench
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python -m benchmarks.run_all --quick

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-output

# Extract English msgids from app/ and templates/, merge them into the Dutch
# catalog, compile it. Translate new entries in app/translations/nl/LC_MESSAGES/
# messages.po, run this again, and commit the .po and the .mo.
.PHONY: translations
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-comments=TRANSLATORS: \
		--project=Meldpunt --msgid-bugs-address=integriteit@example.invalid \
		-o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l nl \
		--ignore-obsolete --no-fuzzy-matching --width=100
	$(BIN)/pybabel compile -d app/translations --statistics

# Only the browser journeys (Chromium from apt, playwright from the test extras).
.PHONY: test-e2e
test-e2e: install-test
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider tests/e2e

# The Rijkshuisstijl look (NL Design System community): refetch the vendored
# CSS from npm into a temporary folder and copy the built files, their
# licences and a README line with the version into app/static/vendor/. Needs
# node and npm; `make run` and `make test` serve the committed files and do
# not. `npm pack` fetches the tarballs only: no install scripts run.
RHC_TOKENS ?= @rijkshuisstijl-community/design-tokens@11.1.0
RHC_COMPONENTS ?= @rijkshuisstijl-community/components-css@12.0.0
VENDOR := app/static/vendor

.PHONY: assets
assets:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	( cd "$$tmp" && npm pack --silent $(RHC_TOKENS) $(RHC_COMPONENTS) >/dev/null ); \
	printf '%s\n' '# Vendored CSS (written by `make assets`; do not edit)' '' > "$$tmp/README.md"; \
	for tgz in "$$tmp"/*.tgz; do \
	  mkdir -p "$$tmp/x" && rm -rf "$$tmp/x/package" && tar -xzf "$$tgz" -C "$$tmp/x"; \
	  name=$$(node -p "require('$$tmp/x/package/package.json').name"); \
	  version=$$(node -p "require('$$tmp/x/package/package.json').version"); \
	  dest="$(VENDOR)/$${name#@}"; rm -rf "$$dest"; mkdir -p "$$dest"; \
	  cp "$$tmp/x/package/dist/index.css" "$$tmp/x/package/LICENSE.md" "$$dest/"; \
	  echo "- $$name $$version: $${name#@}/index.css (dist/index.css), LICENSE.md" >> "$$tmp/README.md"; \
	done; \
	printf '%s\n' '' 'Each folder holds the built dist/index.css and the package'"'"'s LICENSE.md.' \
	  'components-css: EUPL-1.2. design-tokens: not open source, the Rijkshuisstijl is' \
	  'for the central government and those working for it (see its LICENSE.md).' \
	  'No fonts and no logo are vendored (README.md, Look).' >> "$$tmp/README.md"; \
	cp "$$tmp/README.md" "$(VENDOR)/README.md"; cat "$(VENDOR)/README.md"

# HTML_CodeSniffer for the browser tests (#22): refetch the engine from npm
# and copy its built HTMLCS.js and licence into tests/e2e/vendor/ (the
# README there names the version). Needs npm; the tests use the committed file.
HTMLCS_PACKAGE ?= html_codesniffer@2.5.1
E2E_VENDOR := tests/e2e/vendor

.PHONY: test-assets
test-assets:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	( cd "$$tmp" && npm pack --silent $(HTMLCS_PACKAGE) >/dev/null && tar -xzf ./*.tgz ); \
	version=$$(node -p "require('$$tmp/package/package.json').version"); \
	cp "$$tmp/package/build/HTMLCS.js" "$(E2E_VENDOR)/HTMLCS.js"; \
	cp "$$tmp/package/licence.txt" "$(E2E_VENDOR)/HTMLCS-licence.txt"; \
	sed -i "s|^- html_codesniffer .*|- html_codesniffer $$version (npm, BSD-3-Clause): HTMLCS.js (build/HTMLCS.js), HTMLCS-licence.txt|" \
	  "$(E2E_VENDOR)/README.md"; grep html_codesniffer "$(E2E_VENDOR)/README.md"
