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

BIN       := $(VENV)/bin
READY     := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]-*.ipynb))
# The project's kernelspec "mxnet" (in .venv) wins over any of the same name elsewhere.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter

.DEFAULT_GOAL := help
.PHONY: help venv lab test test-habits test-cpus execute html image docker-lab docker-test test-image clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables: PYTHON=$(PYTHON) VENV=$(VENV) LAB_PORT=$(LAB_PORT) LAB_IP=$(LAB_IP) JOBS=$(JOBS) CPUS=\"$(CPUS)\""
	@echo "             IMAGE=$(IMAGE) BASE=$(BASE)"

$(READY): requirements.txt tools/venv.sh
	@tools/venv.sh "$(PYTHON)" "$(VENV)"
	@touch $@

venv: $(READY) ## create .venv from requirements.txt (re-installs only when it changes)

lab: $(READY) ## start JupyterLab on notebooks/: loopback only, token required (LAB_PORT, LAB_TOKEN)
	@LAB_IP="$(LAB_IP)" LAB_PORT="$(LAB_PORT)" LAB_TOKEN="$(LAB_TOKEN)" $(BIN)/python tools/lab.py

test: $(READY) ## lint, then re-run every notebook strictly with nbval, plus tests/
	$(BIN)/ruff check notebooks tools tests
	$(BIN)/pytest -n $(JOBS)

test-habits: $(READY) ## re-run each notebook as learners do: Run All twice, each cell twice, a reconnect before each cell (CI)
	$(BIN)/pytest -n $(JOBS) --dist load -m habits tests/test_learner_habits.py

test-cpus: $(READY) ## nbval under each OpenBLAS kernel in CPUS this CPU can run: outputs must not depend on the CPU
	@$(BIN)/python tools/cpu_kernels.py $(BIN)/pytest $(JOBS) $(CPUS)

execute: $(READY) ## re-run every notebook top to bottom in a fresh kernel and store its outputs
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False $(NOTEBOOKS)

html: $(READY) ## render the stored notebooks as an offline site in build/html/ (open build/html/index.html)
	$(BIN)/python tools/build_html.py build/html $(NOTEBOOKS)

image: ## build the container image IMAGE from the Dockerfile (the base is built with debootstrap if it cannot be pulled)
	@ci/base-image.sh "$(BASE)"
	docker build --force-rm --build-arg BASE="$(BASE)" -t "$(IMAGE)" .

docker-lab: ## JupyterLab from the image on 127.0.0.1:LAB_PORT, editing the host's notebooks/ (token required)
	@tools/docker-lab.sh "$(IMAGE)" "$(LAB_PORT)"

docker-test: ## run make test inside the image, without network (browser tests skip there: no Chromium)
	docker run --rm --network none "$(IMAGE)" make test

test-image: $(READY) ## check the image from the host: docker-test, docker-lab, Dev Containers, Binder (repo2docker)
	$(BIN)/pytest -m image tests/test_image.py

clean: ## remove .venv and build/
	rm -rf $(VENV) build
