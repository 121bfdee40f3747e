# The same commands locally and in CI. Everything lives in .venv; only Python 3.11 + pip are needed.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
EXAMPLES := $(wildcard examples/*.json)

.PHONY: demo test test-fast lint bench install dev clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[all]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# librosa's numba kernels compile once (~50 s) into their on-disk cache; every later process (test
# servers, Celery workers started in parallel) then loads them in seconds instead of compiling.
$(VENV)/.warmed: $(VENV)/.installed
	$(PY) -c "from audio.analysis import warm_up; print(f'sound analysis compiled in {warm_up():.0f} s')"
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

examples/media/.made: editor/samples.py | $(VENV)/.installed
	$(PY) -m editor.samples examples/media
	touch $@

demo: $(VENV)/.installed examples/media/.made
	@mkdir -p out
	@for spec in $(EXAMPLES); do \
	  name=$$(basename $$spec .json); \
	  $(BIN)/reelforge render $$spec -o out/$$name.mp4 || exit 1; \
	done
	@echo "Rendered examples are in $$(pwd)/out/:"; ls -1 out/*.mp4

test: $(VENV)/.installed-dev $(VENV)/.warmed  # everything, on every core
	$(PY) -m pytest -q -n auto --dist loadgroup

test-fast: $(VENV)/.installed-dev $(VENV)/.warmed  # everything but the cluster tests (tests/scale)
	$(PY) -m pytest -q -n auto --dist loadgroup -m "not slow"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy editor audio api cli testkit benchmarks
	$(BIN)/hadolint Dockerfile

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/reference_edit.py
	$(PY) benchmarks/preview.py
	$(PY) benchmarks/split.py
	$(PY) benchmarks/face_sticker.py
	$(PY) benchmarks/ml_effects.py
	$(PY) benchmarks/captions.py
	$(PY) benchmarks/duet.py
	$(PY) benchmarks/beats.py
	$(PY) benchmarks/fingerprint.py
	$(PY) benchmarks/api_load.py
	$(PY) benchmarks/batch.py
	$(PY) benchmarks/scale.py

clean:
	rm -rf out examples/media .pytest_cache .mypy_cache .ruff_cache
