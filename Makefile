# Two commands for a fresh Debian machine: `make build` and `make test`.
# Both install what is missing (system fonts and libraries through apt-get when run as root, a
# .venv with the package) and are fast when nothing is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed
SYSTEM := tools/install-system-deps.sh

.PHONY: build test check serve bench system clean
build: system $(RUNTIME)
	$(BIN)/gazette build

check: $(RUNTIME)
	$(BIN)/gazette check

serve: system $(RUNTIME)
	$(BIN)/gazette serve

test: system $(TESTDEPS)
	$(BIN)/python -m pytest

bench: system $(TESTDEPS)
	$(BIN)/python -m tools.bench

system:
	@sh $(SYSTEM)

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TESTDEPS): $(RUNTIME) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf public .gazette-cache .gazette-preview
