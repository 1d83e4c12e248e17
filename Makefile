# The two commands: `make run` starts the demo, `make test` proves it. Nothing else is needed.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON_VENV := $(BIN)/python
PORT ?= 5000
export FLASK_APP := server

.PHONY: run test bench soak kiosk lint clean system-packages document-packages apt-install

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || $(MAKE) -s PKGS="python3 python3-venv" apt-install
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) -s PKGS="python3-venv" apt-install
	@# a half-made .venv would make every later run skip this step: remove it on failure
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/pip install --quiet --upgrade pip || { rm -rf $(VENV); exit 1; }

# Installed once per change of the dependency lists (the stamp files record it).
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet --group dev
	touch $@

# The demo's own secret and plain-HTTP cookies, written once; production sets its own.
instance/config.py: | $(VENV)/.runtime
	mkdir -p instance
	$(PYTHON_VENV) -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}\nSESSION_COOKIE_SECURE = False')" > $@

instance/satisfaction.db: instance/config.py | $(VENV)/.runtime
	mkdir -p instance
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo --if-empty

run: $(VENV)/.runtime document-packages instance/config.py instance/satisfaction.db
	$(BIN)/flask init-db
	@echo "Serving the demo province on http://127.0.0.1:$(PORT) (Ctrl+C stops it)"
	SATISFACTION_BIND=127.0.0.1:$(PORT) SATISFACTION_WORKERS=2 SATISFACTION_PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) \
	  $(BIN)/gunicorn --config deploy/gunicorn.conf.py

# System packages the tests drive for real: a virtual display, key presses, a browser, nginx, and
# LibreOffice Writer to open the Word documents as an office's own suite lays them out.
SYSTEM_PACKAGES := xvfb:Xvfb xdotool:xdotool chromium:chromium nginx:nginx systemd:systemd-analyze openssl:openssl \
  poppler-utils:pdftotext libreoffice-writer-nogui:soffice
system-packages: document-packages
	@missing=""; for pair in $(SYSTEM_PACKAGES); do \
	  pkg=$${pair%%:*}; cmd=$${pair##*:}; \
	  command -v $$cmd >/dev/null || [ -x /usr/sbin/$$cmd ] || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then $(MAKE) -s PKGS="$$missing" apt-install; fi

# What the documents need at run time: Pango (WeasyPrint lays text out with it), fonts with every
# Vietnamese diacritic (Noto), and Liberation Serif, Times New Roman's metric twin, so the PDF
# wraps where the Word file does. A path is checked as a file, a name in ldconfig.
DOCUMENT_PACKAGES := fonts-noto-core:/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf \
  fonts-liberation2:/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf \
  libpango-1.0-0:libpango-1.0.so.0 libpangoft2-1.0-0:libpangoft2-1.0.so.0
document-packages:
	@missing=""; for pair in $(DOCUMENT_PACKAGES); do \
	  pkg=$${pair%%:*}; file=$${pair##*:}; \
	  case $$file in /*) [ -e $$file ] ;; *) PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p | grep -q "$$file" ;; esac \
	    || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then $(MAKE) -s PKGS="$$missing" apt-install; fi

apt-install:
	@echo "Installing system packages:$(PKGS)"
	@if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(PKGS) >/dev/null

# A kiosk on this machine against `make run`'s server (start that first, in another terminal):
# the demo's counter 1 at phường Nam Gia Nghĩa (LDG-NGN), where the Gia Nghĩa shop stands today.
# Its token is made once and stored in the kiosk's data folder (instance/kiosk/credentials.json,
# mode 0600) through stdin: never on a command line (ps).
kiosk: $(VENV)/.runtime instance/satisfaction.db
	@if [ ! -s instance/kiosk/credentials.json ]; then \
	  { if [ -s instance/kiosk-token ]; then cat instance/kiosk-token; \
	    else $(BIN)/flask kiosk add LDG-NGN --counter "Quầy 1" | tail -n 1; fi; } \
	  | $(BIN)/python -m kiosk --server http://127.0.0.1:$(PORT) --data-dir instance/kiosk --save-token \
	  && rm -f instance/kiosk-token; fi
	$(BIN)/python -m kiosk --server http://127.0.0.1:$(PORT) --data-dir instance/kiosk $(KIOSK_ARGS)

test: $(VENV)/.dev system-packages
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(BIN)/python -m bench $(BENCH_ARGS)

# Proof under load and faults, a few minutes: load, SIGKILLs and a full disk with big numbers
# (python -m soak; mounting the tmpfs needs root), then the bad-input tests with a larger
# fuzz budget. `make test` runs the same with small numbers (tests/soak/).
SOAK_FUZZ_EXAMPLES ?= 1000
soak: $(VENV)/.dev system-packages
	$(BIN)/python -m soak $(SOAK_ARGS)
	SOAK_FUZZ_EXAMPLES=$(SOAK_FUZZ_EXAMPLES) $(BIN)/python -m pytest -n 2 --dist loadgroup -q \
	  tests/soak/test_fuzz_ratings.py tests/soak/test_fuzz_sms.py tests/soak/test_openapi_every_operation.py \
	  tests/soak/test_nginx_abuse.py

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/satisfaction.db* instance/kiosk-token instance/kiosk test-artifacts
