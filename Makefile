# The two commands a new user needs are `make demo` and `make test`; both work on a fresh
# machine (Debian/Ubuntu with Python 3.11+): they install what is missing, then run.

VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
WIDGET  = widget/dist/widget.js
# The Salesforce DX project: its Lightning Web Component's jest suite needs its own npm tools.
LWC     = providers/salesforce/sfdx
LWC_DEPS = $(LWC)/node_modules/.installed

.PHONY: demo test install widget lwc lint typecheck bench clean

## Run the demo: server on embedded defaults, demo knowledge base, simulated conversations.
## make demo PORT=8090 listens elsewhere; ARGS="--speed 3" passes options to cuecard demo.
demo: install widget
	$(BIN)/cuecard demo $(if $(PORT),--port $(PORT)) $(ARGS)

## Run the whole suite: lint, types, widget unit tests, then pytest (Redis, PostgreSQL, Chromium).
test: install widget lwc
	scripts/install-system-deps test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd widget && npm run --silent typecheck && npm test
	cd $(LWC) && npm test --silent
	$(BIN)/pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	scripts/install-system-deps base
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

widget: $(WIDGET)

$(WIDGET): widget/package.json widget/package-lock.json widget/build.mjs widget/index.html \
           widget/widget.css $(shell find widget/src -name '*.ts')
	cd widget && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

lwc: $(LWC_DEPS)

$(LWC_DEPS): $(LWC)/package.json $(LWC)/package-lock.json
	cd $(LWC) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

## Load benchmark (see docs/benchmarks.md).
bench: install
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) widget/node_modules widget/dist $(LWC)/node_modules .pytest_cache .mypy_cache .ruff_cache
