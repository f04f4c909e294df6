# The two commands that matter: `make run` and `make test`. Both install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e 'libs/common[test]' -e gateway -e services/goals -e services/budget -e services/followup -e services/internal_control
# The OpenAPI document's consumers in the tests (npm packages): see their rule below.
CONSUMERS := tests/consumers
MANIFESTS := constraints.txt tests/deploy/requirements.txt libs/common/pyproject.toml gateway/pyproject.toml $(wildcard services/*/pyproject.toml)

.PHONY: run test install token bench bench-thread bench-followup bench-actuals bench-stratsys-kpidata load clean

run: $(VENV)/.installed
	$(BIN)/python -m tools.run $(ARGS)

test: $(VENV)/.installed $(CONSUMERS)/node_modules/.installed
	$(BIN)/python -m tools.test $(ARGS)

install: $(VENV)/.installed

# The OpenAPI document's consumers in the tests (Redocly's linter, openapi-typescript, TypeScript,
# playwright-core), at the versions pinned in their package.json; Node.js and npm from the
# system's packages where missing.
$(CONSUMERS)/node_modules/.installed: $(CONSUMERS)/package.json
	command -v npm >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
	npm install --prefix $(CONSUMERS) --no-package-lock --no-audit --no-fund --silent
	touch $@

$(VENV)/.installed: $(MANIFESTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt $(PACKAGES) -r tests/deploy/requirements.txt
	touch $@

# A development token for a demo user, printed by the gateway's own command: make token SUBJECT=kf.demo
# or for a registered machine client (the client claim, no user subject): make token CLIENT=ekonomisystemet
# (after `make run ARGS="--data-dir DIR"`, give the same folder: make token DATA_DIR=DIR)
SUBJECT ?= kf.demo
CLIENT ?=
DATA_DIR ?= .data
token: $(VENV)/.installed
	@$(BIN)/python -m tools.token $(if $(CLIENT),--client '$(CLIENT)',$(SUBJECT)) --data-dir $(DATA_DIR)

# The load generator is wrk, from the system's packages.
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	$(BIN)/python -m bench.gateway_bench $(ARGS)

# The thread (röd tråd) of a large generated municipality on PostgreSQL: time and SQL statements per call.
bench-thread: $(VENV)/.installed
	$(BIN)/python -m bench.thread_bench $(ARGS)

# A large municipality's forecast follow-up through the gateway on PostgreSQL (60 boards): each board's
# refresh and decision (the snapshot), the compilation, the municipal report's decision, reading them back.
bench-followup: $(VENV)/.installed
	$(BIN)/python -m bench.followup_bench $(ARGS)

# A year of a large municipality's actuals (1,000,000 rows) imported on PostgreSQL: time and peak memory.
bench-actuals: $(VENV)/.installed
	$(BIN)/python -m bench.actuals_bench $(ARGS)

# A Stratsys layout-1 file of 500,000 indicator values imported through the goals app on PostgreSQL:
# wall time and the goals process's peak RSS; the same file again; what an audit event per value would cost.
bench-stratsys-kpidata: $(VENV)/.installed
	$(BIN)/python -m bench.stratsys_kpidata_bench --audit-estimate $(ARGS)

# Virtual users with think time reading the screens and writing through the gateway on PostgreSQL:
# 200 users, the knee, twice the knee; a summary table and each target's verdict.
load: $(VENV)/.installed
	$(BIN)/python -m bench.load_check $(ARGS)

clean:
	rm -rf $(VENV) .data $(CONSUMERS)/node_modules $(CONSUMERS)/generated
