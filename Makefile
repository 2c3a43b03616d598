# Two commands matter: `make run` and `make test`. Both build the environment when missing.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test migrate demo worker backup restore lint install browser fonts

# uv lives in its own small venv so that `uv sync` never removes it from the project's.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed fonts

## run: serve the app at http://$(HOST):$(PORT) (SQLite under var/ and the demo hall unless told otherwise)
run: install
	DEMO_DATA=$${DEMO_DATA:-1} $(VENV)/bin/uvicorn --factory web.app:create_app --host $(HOST) --port $(PORT)

## test: the whole suite, on SQLite, or on PostgreSQL when DATABASE_URL says so
test: install browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## migrate: apply pending migrations (deployments run it once, then start apps with MIGRATE_ON_START=0)
migrate: install
	$(VENV)/bin/python -m hall.manage migrate

demo: install
	$(VENV)/bin/python -m hall.manage demo

## worker: the arq worker for background and scheduled jobs (needs REDIS_URL)
worker: install
	$(VENV)/bin/arq worker.WorkerSettings

## backup: the database (SQLite online backup, or pg_dump) and the media folder, to DATA_DIR/backups/
backup: install
	$(VENV)/bin/python -m hall.backup backup

## restore FILE=DATA_DIR/backups/hall-....sqlite|.dump: into an empty database (FORCE=1 to overwrite)
restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/backup (.sqlite or .dump) [FORCE=1]"; exit 2; }
	$(VENV)/bin/python -m hall.backup restore "$(FILE)" $(if $(FORCE),--force)

lint: install
	$(VENV)/bin/ruff check .

# The browser tests drive Debian's Chromium; install it where we may (root with apt-get).
browser:
	@command -v chromium >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium: sudo apt-get install chromium"; exit 1; \
	fi

# PDFs embed a Chinese TrueType font (hall/pdf.py) and the tests read them back with
# poppler's pdftotext; install both where we may, else say what is missing.
fonts:
	@if [ -n "$$PDF_FONT" ] || ls /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc >/dev/null 2>&1; then \
		command -v pdftotext >/dev/null && exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq fonts-wqy-zenhei poppler-utils >/dev/null 2>&1 || \
		 (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei poppler-utils >/dev/null)) \
		|| { echo "Could not install fonts-wqy-zenhei and poppler-utils: PDFs need a Chinese TrueType font"; exit 1; }; \
	else \
		echo "PDFs need a Chinese TrueType font and the tests need pdftotext:"; \
		echo "  sudo apt-get install fonts-wqy-zenhei poppler-utils   (or set PDF_FONT to a .ttf/.ttc)"; exit 1; \
	fi
