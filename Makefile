# The README's commands: `make demo` (offline demo crawl) and `make test` (the test suite).
# Each creates .venv/ in the repo root if missing and installs the project into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint schema serve clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m crawler demo

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m crawler schema --check
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

schema: $(STAMP)
	$(PY) -m crawler schema

serve: $(STAMP)
	$(PY) -m crawler serve --port 8000

clean:
	rm -rf output/demo .pytest_cache

# Benchmarks (bench/README.md): writes bench/results/latest.json; ~35 minutes on 2 cores.
.PHONY: bench
bench: $(STAMP)
	$(PY) -m bench.run
