# Two commands: `make run` brings the whole portal up, `make test` runs every test.
# Both install what they need: a virtual environment, the front-end assets and,
# for the browser tests, Debian's Chromium.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ASSETS := portal/static/dist/staticfiles.json

.PHONY: run test fuzz bench bench-jobs soak install assets chromium clamav clamav-for-run clean

run: install assets clamav-for-run
	$(BIN)/portal up

test: install assets chromium clamav
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --dist loadfile

# The long API fuzz: 100 valid and 100 invalid requests per operation and tenant (`make test` runs 5).
fuzz: install
	PORTAL_FUZZ_EXAMPLES=$${PORTAL_FUZZ_EXAMPLES:-100} $(BIN)/pytest tests/security/test_api_fuzz.py -q --timeout=0

# Performance at scale (issue 12): seeds scales 1 and 10 in var/bench, measures, writes bench/results.json
# and prints the table. BENCH_ARGS=--quick for a small run while developing (see bench/run.py).
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Jobs per second per RQ worker (small documents and emails); prints figures, asserts nothing.
bench-jobs: install
	$(BIN)/python -m bench.jobs $(BENCH_ARGS)

# The deadline rush: SOAK_USERS (200) providers for SOAK_DURATION (300) seconds against gunicorn
# (4 workers) and 2 RQ workers, in var/soak; checks nothing was lost or duplicated, writes bench/soak.json.
soak: install
	$(BIN)/python -m bench.soak

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

assets: $(ASSETS)

$(ASSETS): package.json package-lock.json assets/build.mjs assets/digest.mjs $(wildcard assets/scss/*.scss) $(wildcard portal/static/js/*.js)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The document tests scan with ClamAV, using a signature file they make (no downloads).
clamav:
	@{ command -v clamscan && { command -v clamd || test -x /usr/sbin/clamd; }; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's ClamAV for the document scanning tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clamav clamav-daemon >/dev/null; }

# `make run` scans uploads with clamd: install ClamAV if we can; if not, `portal up` says uploads are not scanned.
clamav-for-run:
	@$(MAKE) --no-print-directory clamav || echo "Could not install ClamAV: uploads will NOT be scanned (documents say 'Not scanned')"

clean:
	rm -rf $(VENV) node_modules portal/static/css portal/static/vendor portal/static/dist
