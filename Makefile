# Two commands for a fresh Debian machine: `make build` and `make test`.
# Both install what is missing (system fonts and libraries through apt-get when run as root, a
# .venv with the package) and are fast when nothing is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TESTDEPS := $(VENV)/.test-installed
SYSTEM := tools/install-system-deps.sh
NODE_TOOLS := node_modules/.installed

.PHONY: build test check serve bench system browser clean
build: system $(RUNTIME)
	$(BIN)/gazette build

check: $(RUNTIME)
	$(BIN)/gazette check

serve: system $(RUNTIME)
	$(BIN)/gazette serve

test: system browser $(TESTDEPS) $(NODE_TOOLS)
	$(BIN)/python -m pytest

bench: system $(TESTDEPS)
	$(BIN)/python -m tools.bench

system:
	@sh $(SYSTEM)

# the browser tests' tools: Chromium, Java and npm from Debian, then axe-core and vnu-jar from the
# lock file (--ignore-scripts: vnu-jar's install script would download a Java runtime)
browser:
	@sh tools/install-browser-deps.sh

$(NODE_TOOLS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TESTDEPS): $(RUNTIME) pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf public .gazette-cache .gazette-preview
