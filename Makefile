# The two commands of the README. Both install what is missing first:
#   make demo   – run the platform on http://127.0.0.1:8000 (SQLite + SpatiaLite, no Redis)
#   make test   – run the whole test suite against PostgreSQL + PostGIS, Redis and a worker

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Debian/Ubuntu package names; the demo needs the first list, the tests both.
DEMO_PACKAGES := gdal-bin libsqlite3-mod-spatialite libsqlite3-dev gettext \
	libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_PACKAGES := postgresql postgis redis-server chromium poppler-utils
BENCH_PACKAGES := wrk

.PHONY: demo test bench install system-packages test-system-packages bench-system-packages lint

demo: system-packages install
	$(BIN)/python -m kiezlabor.devtools demo

test: system-packages test-system-packages install
	$(BIN)/python -m kiezlabor.devtools test $(PYTEST_ARGS)

# Benchmarks of issue 8 (~10 min): writes bench/results.json and docs/performance.md.
bench: system-packages test-system-packages bench-system-packages install
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

install: $(VENV)/.installed
	@if [ -n "$$(find . -path ./.venv -prune -o -name '*.po' -print -quit)" ]; then \
		$(BIN)/python manage.py compilemessages --ignore '.venv/*' -v0; fi

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-binary pysqlite3 -e '.[dev]'
	touch $@

system-packages:
	@./.ci/apt-install $(DEMO_PACKAGES)

test-system-packages:
	@./.ci/apt-install $(TEST_PACKAGES)

bench-system-packages:
	@./.ci/apt-install $(BENCH_PACKAGES)
