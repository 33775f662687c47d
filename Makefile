# Two commands: `make run` (serve the app on http://127.0.0.1:7860) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_VERBOSITY := error
export GRADIO_ANALYTICS_ENABLED := False
# the development sets `python -m qa eval` scores by default
export QA_EVAL_DATA ?= ../shared/eval

.PHONY: run test lint browser index bench bench-long eval clean fuzz crash

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

# The browser tests drive Debian's Chromium (Playwright's own download does not work here):
# installed when missing and this user can; otherwise they fail naming the install line.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; \
	  else echo "note: no chromium; the browser tests will fail until: sudo apt-get install chromium fonts-dejavu-core"; fi; }

test: lint browser
	$(BIN)/python -m pytest -q

# Hostile input through the CLI and the REST API (hypothesis, tests/fuzz), over 1,000 inputs;
# ends with a line "fuzz: N inputs tried ...; tracebacks: 0; CLI exit codes: {...}".
fuzz: $(VENV)/.installed-test
	QA_FUZZ=1 $(BIN)/python -m pytest tests/fuzz -q

# 24 SIGKILLs of `python -m qa index` (a third inside the write window) over a temporary corpus that
# grows between runs, then 12 of `python -m qa remove` (a third aimed between its index write and
# its delete); ends with "crash: N kills ...; unusable indexes: 0; lost documents: 0;
# wrong citations: 0" and writes its section of bench/RESULTS.md. About two minutes.
crash: $(VENV)/.installed
	QA_THREADS=1 $(BIN)/python -m bench.crash

eval: index
	$(BIN)/python ../shared/tools/eval_cli.py --python $(BIN)/python

bench: $(VENV)/.installed-test index
	$(BIN)/python -m bench.run_all

bench-long: $(VENV)/.installed-test index
	$(BIN)/python -m bench.run_all --long

clean:
	rm -rf index/CURRENT index/v-* index/.tmp-* index/.lock
