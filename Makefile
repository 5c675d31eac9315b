# `make run` and `make test` work on a fresh clone: they build .venv from the
# repo's own files (pinned torch via constraints.txt) the first time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Opt-in: TORCH_INDEX=https://download.pytorch.org/whl/cpu installs torch and torchvision from that
# index (the CPU wheels, without the ~4 GB of CUDA libraries PyPI's Linux x86_64 torch brings).
# Unset, as in CI, they come from PyPI like everything else. It acts when .venv is built: `make clean-venv` first.
TORCH_INDEX ?=

.PHONY: run test bench models bundle bundle-test install-desktop clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install -q -c constraints.txt --index-url $(TORCH_INDEX) torch torchvision)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ganstudio $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Retrain every bundled default model (resumes where a previous run stopped).
models: $(STAMP)
	$(BIN)/python -m trainer.defaults $(MODELS_ARGS)

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The PyInstaller bundle (CPU torch) in a venv of its own under /tmp, then its smoke test: packaging/README.md.
bundle:
	TORCH_INDEX=$(TORCH_INDEX) packaging/build_bundle.sh

# The bundle's test (build, then start it headless): too long for CI, its own job (packaging/README.md).
bundle-test: $(STAMP)
	QT_QPA_PLATFORM=offscreen GANSTUDIO_BUNDLE_TEST=1 $(BIN)/python -m pytest -p no:cacheprovider tests/packaging/test_bundle_build.py $(PYTEST_ARGS)

# Launcher, icon, MIME type and AppStream metadata into $${XDG_DATA_HOME:-~/.local/share}; EXEC= for the bundle.
install-desktop:
	packaging/install_desktop.sh "$(EXEC)"

clean-venv:
	rm -rf $(VENV)
