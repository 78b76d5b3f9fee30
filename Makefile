# The README's two commands: `make dashboards` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DASHCTL := $(VENV)/bin/dashctl
STAMP := $(VENV)/.installed-stamp

.PHONY: dashboards test lint golden prometheus schema-deps bench demo stack clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## Build every dashboard into build/dashboards/<folder>/<uid>.json
dashboards: $(STAMP)
	$(DASHCTL) build
	$(DASHCTL) rules

## Rewrite tests/golden/ (the expected JSON of the shipped dashboards, default settings) on purpose
golden: $(STAMP)
	env $$(env | sed -n 's/^\(DASHCTL_[A-Za-z0-9_]*\)=.*/-u \1/p') $(DASHCTL) --config /dev/null build --out tests/golden

## Install Debian's Prometheus (for the query tests) when it is missing
prometheus:
	@command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1 || { \
	  echo "installing Debian's prometheus and prometheus-alertmanager packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null; }

## npm packages of the schema check (tests/schema, pinned by its package-lock.json; skipped without npm)
schema-deps:
	@if command -v npm >/dev/null 2>&1; then $(PYTHON) tests/schema/schema_check.py install; else echo "npm not found: tests/test_schema_types.py will be skipped"; fi

## Lint the dashboards and the code
lint: $(STAMP)
	$(DASHCTL) lint
	$(VENV)/bin/ruff check src panels dashboards dashctl scripts tests

## The whole test suite (installs Prometheus if missing)
test: $(STAMP) prometheus schema-deps lint
	$(PY) -m pytest -q -p no:cacheprovider tests

## Benchmarks, printed as ratios against their baselines (installs the Foundation SDK baseline first)
bench: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r scripts/bench-requirements.txt
	$(PY) scripts/bench.py

## Prometheus + Grafana in Docker, Grafana provisioned from build/ (keep it live with `dashctl watch`)
COMPOSE ?= docker compose
stack: $(STAMP)
	@docker info >/dev/null 2>&1 || { echo "make stack: no working Docker engine here (docker info failed)."; \
	  echo "Without Docker: make demo (Debian's Prometheus scraping the traffic simulator, for dashctl verify)"; \
	  exit 1; }
	$(DASHCTL) provision --dir build
	$(COMPOSE) -f deploy/docker-compose.yml up -d
	@echo "Grafana http://127.0.0.1:3000 (admin/admin), Prometheus http://127.0.0.1:9090; live edits: $(DASHCTL) watch"

## Without Docker: Debian's Prometheus scraping the traffic simulator's live endpoint (Ctrl-C stops)
demo: $(STAMP) prometheus
	$(PY) scripts/demo.py

clean:
	rm -rf build $(VENV)
