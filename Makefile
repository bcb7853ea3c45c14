# `make run`: set up and run the portal on embedded defaults, with demo data
#   (`make run PORT=8001` serves on another port; SITE_URL follows).
# `make test`: install what the tests need and run the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
PORT ?= 8000

.PHONY: run test lint format messages setup check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed
	@command -v msgfmt >/dev/null && DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore=.venv || echo "msgfmt not found: using the committed .mo catalogues"
	DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DEBUG=1 $(PY) manage.py seed_demo

run: setup
	DEBUG=1 PORT=$(PORT) scripts/run

test: $(VENV)/.installed
	scripts/system-packages
	@command -v msgfmt >/dev/null && DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore=.venv || true
	scripts/test

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore=.venv
