# Two entry points for a fresh machine: `make demo` and `make test` (each creates .venv).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
OUT ?= out

.PHONY: demo test lint format bench accuracy clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/edu-audit synth -n 30 -o corpus/demo
	$(BIN)/edu-audit run corpus/demo -o $(OUT)/demo
	@echo "打开查看：$(OUT)/demo/report/index.html  $(OUT)/demo/comparison.xlsx  $(OUT)/demo/audit.sqlite"

test: $(STAMP) lint
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The pipeline benchmark (issue 13); BENCH_ARGS="--quick" for a smoke run, "--sizes 300" for one size.
bench: $(BENCH_STAMP)
	$(PY) benchmarks/pipeline.py $(BENCH_ARGS)

accuracy: $(STAMP)
	$(PY) benchmarks/accuracy.py --verbose

clean:
	rm -rf $(OUT) .pytest_cache
