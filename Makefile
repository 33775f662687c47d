# Two commands: `make run` (serve the app on http://127.0.0.1:7860) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_VERBOSITY := error
export GRADIO_ANALYTICS_ENABLED := False
# the development sets `python -m qa eval` scores by default
export QA_EVAL_DATA ?= ../shared/eval

.PHONY: run test lint index bench bench-long eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@

index: $(VENV)/.installed
	$(BIN)/python -m qa index

run: index
	$(BIN)/python app.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q

eval: index
	$(BIN)/python ../shared/tools/eval_cli.py --python $(BIN)/python

bench: $(VENV)/.installed-test index
	$(BIN)/python -m bench.run_all

bench-long: $(VENV)/.installed-test index
	$(BIN)/python -m bench.run_all --long

clean:
	rm -rf index/CURRENT index/v-* index/.tmp-* index/.lock
