# Zhijia. `make run` sets up and serves the demo city; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 4

.PHONY: run setup install migrate seed serve test lint fmt worker beat bench clean messages

run: setup seed serve

setup: install migrate
	$(PY) manage.py collectstatic --noinput -v0

$(VENV)/.installed: pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput -v0

seed: migrate
	$(PY) manage.py seed_demo

serve:
	@echo ""
	@echo "  职工之家 is at http://127.0.0.1:$(PORT)/"
	@echo "    staff console   http://127.0.0.1:$(PORT)/console/   (admin, fangshan, haidian, chaoyang, agent, reviewer, grassroots)"
	@echo "    worker pages    http://127.0.0.1:$(PORT)/w/          (w000001 ... w001000, or phone + code)"
	@echo "    API docs        http://127.0.0.1:$(PORT)/api/v1/docs"
	@echo "    password for every demo account: zhijia-demo"
	@echo ""
	$(VENV)/bin/gunicorn zhijia.wsgi:application --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - --timeout 60

test: install
	$(PY) manage.py collectstatic --noinput -v0
	scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker:
	$(VENV)/bin/celery -A zhijia worker -l info

beat:
	$(VENV)/bin/celery -A zhijia beat -l info

clean:
	rm -rf var/zhijia.sqlite3* var/static var/cache

messages: install
	$(PY) manage.py makemessages -l en --ignore=".venv/*" --ignore="node_modules/*" --ignore="var/*" -v0
	$(PY) manage.py makemessages -d djangojs -l en --ignore=".venv/*" --ignore="node_modules/*" --ignore="var/*" \
		--ignore="zhijia/static/vendor/*" -v0
	$(PY) scripts/messages_en.py
	$(PY) manage.py compilemessages -l en -v0
