# 动手学深度学习 02 (MXNet) — the front door. `make help` lists the targets.
PYTHON    ?= python3
VENV      ?= .venv
LAB_PORT  ?= 8888
LAB_IP    ?= 127.0.0.1
LAB_TOKEN ?=
JOBS      ?= 2
CPUS      ?= Prescott Haswell SkylakeX
IMAGE     ?= mxnet-linreg
BASE      ?= debian:bookworm-slim
UPGRADE   ?=
CLASSROOM_PORT ?= 8000
STUDENTS  ?= 30

BIN       := $(VENV)/bin
READY     := $(VENV)/.installed
TESTREADY := $(VENV)/.installed-test
HUB       := classroom/.venv
HUBREADY  := $(HUB)/.installed
PROXY     := classroom/node_modules/.bin/configurable-http-proxy
# Locks for Debian 12's Python (3.11.2: soupsieve's newer releases need 3.11.5) on x86-64 Linux.
LOCK      := uv pip compile --quiet --generate-hashes --python-version 3.11.2 \
             --python-platform x86_64-manylinux_2_17 --custom-compile-command "make lock" \
             $(addprefix --upgrade-package ,$(UPGRADE))
SERIES    := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb))
EXERCISES := notebooks/06-exercises.ipynb
NOTEBOOKS := $(filter-out $(EXERCISES),$(SERIES))
# The project's kernelspec "mxnet" (in .venv) wins over any of the same name elsewhere.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter

.DEFAULT_GOAL := help
.PHONY: help venv lab lock test test-system test-habits test-cpus execute exercises html image docker-lab docker-test test-image \
        classroom test-classroom bench clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables: PYTHON=$(PYTHON) VENV=$(VENV) LAB_PORT=$(LAB_PORT) LAB_IP=$(LAB_IP) JOBS=$(JOBS) CPUS=\"$(CPUS)\""
	@echo "             IMAGE=$(IMAGE) BASE=$(BASE) UPGRADE=$(UPGRADE) CLASSROOM_PORT=$(CLASSROOM_PORT) STUDENTS=$(STUDENTS)"

# .venv holds exactly one lock: the learners' set, or the test set (which includes it).
$(READY): requirements.txt setup/requirements-uv.txt setup/venv.sh
	@setup/venv.sh "$(PYTHON)" "$(VENV)" requirements.txt
	@rm -f $(TESTREADY) && touch $@

$(TESTREADY): requirements-test.txt requirements.txt setup/requirements-uv.txt setup/venv.sh
	@setup/venv.sh "$(PYTHON)" "$(VENV)" requirements-test.txt
	@touch $(READY) $@

# The classroom's hub has an environment of its own (no mxnet: the students' containers run that).
$(HUBREADY): classroom/requirements.txt setup/requirements-uv.txt setup/venv.sh
	@setup/venv.sh "$(PYTHON)" "$(HUB)" classroom/requirements.txt
	@touch $@

$(PROXY): classroom/package-lock.json
	@command -v npm >/dev/null || { echo "error: no npm for the hub's proxy: install Node.js 20 or newer" >&2; exit 1; }
	cd classroom && npm ci --silent --no-audit --no-fund
	@touch $@

venv: $(READY) ## create .venv from requirements.txt with uv, hash-checked (re-syncs only when it changes)

lock: $(READY) ## re-lock the requirements files from pyproject.toml, hashes included (UPGRADE=pkg moves one pin)
	$(BIN)/$(LOCK) --group learn -o requirements.txt
	$(BIN)/$(LOCK) --group test -c requirements.txt -o requirements-test.txt
	$(BIN)/$(LOCK) --group classroom -o classroom/requirements.txt
	$(BIN)/$(LOCK) --group uv -o setup/requirements-uv.txt

lab: $(READY) ## start JupyterLab on notebooks/: loopback only, token required (LAB_PORT, LAB_TOKEN)
	@LAB_IP="$(LAB_IP)" LAB_PORT="$(LAB_PORT)" LAB_TOKEN="$(LAB_TOKEN)" $(BIN)/python lab/lab.py

test: $(TESTREADY) ## lint, re-run every notebook strictly with nbval, and the fast tests/ (the edit-and-check loop)
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(JOBS)

test-system: $(TESTREADY) ## the tools end to end: JupyterLab server, the site in Chromium, dead kernels, stuck tests (CI)
	$(BIN)/pytest -n $(JOBS) -m system

test-habits: $(TESTREADY) ## re-run each notebook as learners do: Run All twice (reconnecting before each cell), each cell twice (CI)
	$(BIN)/pytest -n $(JOBS) --dist load -m habits tests/test_learner_habits.py

test-cpus: $(TESTREADY) ## nbval under each OpenBLAS kernel in CPUS this CPU can run, then with NumPy's SIMD dispatch off
	@$(BIN)/python tests/cpu_kernels.py $(BIN)/pytest $(JOBS) $(CPUS)

execute: $(READY) ## re-run every notebook top to bottom in a fresh kernel and store its outputs (not 06: see exercises)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $(NOTEBOOKS)

exercises: $(TESTREADY) ## make the learners' copy of the exercises, 06, from their source with answers, 07 (nbgrader)
	@classroom/exercises.sh $(BIN)/nbgrader $(EXERCISES)

html: $(READY) ## render the stored notebooks as an offline site in build/html/ (open build/html/index.html)
	$(BIN)/python site/build_html.py build/html $(SERIES)

image: ## build the container image IMAGE from the Dockerfile (the base is built with debootstrap if it cannot be pulled)
	@image/base-image.sh "$(BASE)"
	docker build --force-rm --build-arg BASE="$(BASE)" --target learner -t "$(IMAGE)" .
	@docker image prune --force --filter label=mxnet-linreg.project >/dev/null

docker-lab: ## JupyterLab from the image on 127.0.0.1:LAB_PORT, editing the host's notebooks/ (LAB_TOKEN or a fresh token)
	@LAB_TOKEN="$(LAB_TOKEN)" image/docker-lab.sh "$(IMAGE)" "$(LAB_PORT)"

docker-test: image ## make test inside the image's test stage (the learners' image plus the test tools), no network
	docker build --force-rm --build-arg BASE="$(BASE)" --target test -t "$(IMAGE)-test" .
	@docker image prune --force --filter label=mxnet-linreg.project >/dev/null
	docker run --rm --network none "$(IMAGE)-test" make test

test-image: $(TESTREADY) ## check the image from the host: docker-test, docker-lab, Dev Containers, Binder (repo2docker)
	$(BIN)/pytest -m image tests/test_image.py

classroom: $(HUBREADY) $(PROXY) ## JupyterHub for a class on 127.0.0.1:CLASSROOM_PORT, a container of IMAGE per student (make image first)
	@classroom/classroom.sh "$(HUB)" "$(IMAGE)" "$(CLASSROOM_PORT)"

test-classroom: $(TESTREADY) $(HUBREADY) $(PROXY) ## STUDENTS log in and run lesson 02 at once on the classroom's hub, and its faults (CI; Docker)
	STUDENTS=$(STUDENTS) $(BIN)/pytest -s -m classroom tests/test_classroom.py

bench: $(TESTREADY) $(HUBREADY) $(PROXY) ## measure the figures the guides cite, into bench/FIGURES.md (Docker's parts need Docker)
	STUDENTS=$(STUDENTS) $(BIN)/python bench/bench.py

clean: ## remove .venv, the classroom's environments and build/ (not classroom/state: the hub's passwords and database)
	rm -rf $(VENV) $(HUB) classroom/node_modules build
