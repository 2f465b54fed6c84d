# Advanced Machine Learning for the Physical Sciences: build, test and run the book.
#   make book   build the HTML book (every page executed) into _build/html
#   make book-student  the student edition without solutions, _build/student/_build/html
#   make test   lint, unit tests, exercise checks, book build, book tests (notebooks executed),
#               student edition and its test, browser tests, PDF editions and their test
#   make pdf    the whole book as one PDF, _build/pdf/book.pdf (make pdf-student: without solutions)
#   make lab    JupyterLab with the book's pages as notebooks in lab/ (numbers shown in the prose)
#   make bench  performance benchmarks (print tables)
#   make bench-peers  NetKet 3.23 in its own venv (_build/peers-venv) timed against physml
PYTHON ?= python3
# pages executed at once by `make book` (1: let the build execute them one by one)
JOBS   ?= 2
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all venv book book-student pdf pdf-student test lint unit exercise-tests book-tests student-tests site-tests pdf-tests gpu-tests lab bench bench-peers clean distclean

all: book

# The environment is rebuilt when the pins or the package metadata change.
$(STAMP): requirements.txt code/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e code
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/python tools/build_book.py --jobs $(JOBS)

# the same book without solutions; takes every page's outputs from the cache of `make book`
book-student: book
	$(BIN)/python tools/build_student.py

# the book as one PDF, _build/pdf/book.pdf: the single-page HTML of the book from the cache
# of `make book` (nothing executed), printed by Debian's chromium offline (tools/build_pdf.py)
pdf: book
	$(BIN)/python tools/build_pdf.py

# the student edition as one PDF, _build/pdf/book-student.pdf
pdf-student: book-student
	$(BIN)/python tools/build_pdf.py --student

lint: $(STAMP)
	$(BIN)/ruff check code tests tools benchmarks
	$(BIN)/ruff format --check code tests tools benchmarks

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit tests/exercises tests/tools -q

# includes executing every downloadable notebook outside the repository (2 at a time)
book-tests: $(STAMP)
	$(BIN)/python -m pytest tests/book -q

student-tests: $(STAMP)
	$(BIN)/python -m pytest tests/student -q

# browser tests of the built book: Debian's chromium, served on 127.0.0.1, offline
site-tests: $(STAMP)
	$(BIN)/python -m pytest tests/site -q

# the PDFs of `make pdf` and `make pdf-student`: pages, titles, contents, formulas, links, no solutions
pdf-tests: $(STAMP)
	$(BIN)/python -m pytest tests/pdf -q

test: lint unit gpu-tests book book-tests book-student student-tests site-tests pdf pdf-student pdf-tests

# the torch chapters' short configurations on CUDA and on the CPU, compared with stated
# tolerances (tests/gpu); skipped, with the reason, on a machine without a GPU
gpu-tests: $(STAMP)
	$(BIN)/python -m pytest tests/gpu -q -rs

# JupyterLab: lab/ holds every page as a notebook whose prose shows the numbers of your run
# (tools/lab_edition.py, jupyterlab-myst); chapters/*.md also open as notebooks (jupytext)
lab: $(STAMP)
	$(BIN)/python tools/lab_setup.py
	$(BIN)/python tools/lab_edition.py
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) lab/README.md

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# the peers in their own environment (never the book's .venv): NetKet 3.23 timed on the same
# lattice problem as physml, in the same run, ratios printed (benchmarks/nqs_lattice.py)
PEERS := _build/peers-venv
bench-peers: $(STAMP)
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet "netket==3.23.0"
	$(BIN)/python benchmarks/nqs_lattice.py --peers $(PEERS)/bin/python

clean:
	rm -rf _build

distclean: clean
	rm -rf $(VENV)
