# dlnotes: `make book` builds the web book, `make test` runs every test.
# Both create .venv and install requirements.txt first (skipped when unchanged).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

# Quieter TensorFlow; the same hash seed in every kernel, for reproducible outputs.
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: help install book test execute colab bench freeze clean fuzz student pdf

help:
	@echo "make book     build the web book into _build/html"
	@echo "make pdf      the whole book as one PDF, _build/pdf/dlnotes.pdf (Debian's Chromium, offline, no TeX)"
	@echo "make test     run pytest (package, book in a browser) and nbval (notebooks, twice: two kernel sets)"
	@echo "make execute  re-run every notebook in place, top to bottom, in a clean kernel"
	@echo "make colab    rewrite each notebook's Colab cell from repository.url in _config.yml"
	@echo "make bench    speed and memory against TensorFlow, written to benchmarks/RESULTS.md"
	@echo "make fuzz     the property-based tests with 10x the examples of make test, from random seeds"
	@echo "make student  copies of the notebooks for a course: solutions removed, exercise cells cleared (_build/student)"
	@echo "make clean    remove _build and caches (keeps .venv; rm -rf .venv to reinstall)"

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian or Ubuntu: sudo apt-get install python3-venv"; exit 1; }

$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book is in _build/html/index.html"

# nbval re-runs every notebook and compares every text output with the stored one.
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# The second nbval run: numpy and TensorFlow kernels that round differently
# (tools/kernels.py says which), so that no stored output depends on this CPU.
SECOND_KERNELS = $(shell $(PYTHON) tools/kernels.py env)

# The second run also repeats the TensorFlow parity tests (marker "tensorflow"),
# so they pass against TensorFlow's kernels with oneDNN on and with it off.
# The two runs go side by side (much of a notebook's time is one busy core);
# the second run's report is printed after the first's.
test: $(STAMP)
	@log=$$(mktemp); \
	echo "nbval and the TensorFlow parity tests under the second kernel set, alongside: $(SECOND_KERNELS)"; \
	{ env $(SECOND_KERNELS) $(BIN)/python -m pytest notebooks $(NBVAL) && \
	  env $(SECOND_KERNELS) $(BIN)/python -m pytest tests -m tensorflow -q; } > $$log 2>&1 & second=$$!; \
	$(BIN)/python -m pytest tests notebooks $(NBVAL); first=$$?; \
	wait $$second; again=$$?; \
	echo "== nbval and the TensorFlow parity tests under the second kernel set: $(SECOND_KERNELS) =="; cat $$log; rm -f $$log; \
	test $$first -eq 0 && test $$again -eq 0

execute: $(STAMP) colab
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

colab: $(STAMP)
	$(BIN)/python tools/colab_cells.py sync

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	$(BIN)/python benchmarks/page_weight.py --label "make bench" --out benchmarks/PAGE_WEIGHT_LATEST.md

# The book printed page by page by Debian's headless Chromium with the print
# stylesheet (book/_static/dlnotes.css), merged with pypdf (tools/pdf.py).
pdf: book
	$(BIN)/python tools/pdf.py --site _build/html --out _build/pdf/dlnotes.pdf

freeze: $(STAMP)
	@{ echo "# Exact pins that install together on Python 3.11 (pip freeze of a working .venv)."; \
	   echo "# Regenerate with: make freeze"; echo "-e ."; \
	   $(BIN)/python -m pip freeze --exclude-editable; } > requirements.txt

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

# The hypothesis suite with its larger budget (profile "fuzz"); a failure prints the seed that reproduces it.
fuzz: $(STAMP)
	DLNOTES_FUZZ=1 $(BIN)/python -m pytest tests/properties -p no:cacheprovider

# Student copies for a course (book/teaching.md): every solution cell removed, the
# exercise cells' outputs cleared, hints kept; written to _build/student/.
student: $(STAMP)
	$(BIN)/python tools/student.py --out _build/student
