# Meldpunt — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint install install-test bench clean

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
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: install-test
	$(BIN)/ruff check app tests migrations benchmarks

# Benchmarks (not part of make test). history needs PostgreSQL: DATABASE_URL.
bench: install-test
	$(BIN)/python -m benchmarks.attachment_stream
	$(BIN)/python -m benchmarks.history
	$(BIN)/python -m benchmarks.queue_page

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
