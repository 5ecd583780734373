# The series in a container: Debian 12's Python 3.11 and the project's own .venv, made by
# tools/venv.sh from the hash-checked lock requirements.txt, as `make venv` makes it on a host.
# The default (last) stage is the learners' image, for `make docker-lab`, Dev Containers and
# Binder (repo2docker); the stage "test" adds the test tools on top, for `make docker-test`.
#   make image                        # build it (tag mxnet-linreg)
#   docker run --rm -p 127.0.0.1:8888:8888 mxnet-linreg   # JupyterLab; open the printed URL
ARG BASE=debian:bookworm-slim
FROM ${BASE} AS learner

# Binder passes the user it runs as; uid 1000 otherwise. Never root.
ARG NB_USER=jovyan
ARG NB_UID=1000
ENV USER=${NB_USER} HOME=/home/${NB_USER} LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1

# libgomp1 and libquadmath0: system libraries that mxnet 1.9.1's wheel loads but does not ship.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv make \
      libgomp1 libquadmath0 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --create-home --uid ${NB_UID} --shell /bin/bash ${NB_USER}

USER ${NB_USER}
WORKDIR ${HOME}

# The packages first, from the lock alone: editing a notebook or a tool does not reinstall them.
COPY --chown=${NB_UID} requirements.txt ./
COPY --chown=${NB_UID} tools/venv.sh tools/requirements-uv.txt tools/
# uv installed the set; learners do not need the installer itself (38 MB), so it goes.
RUN sh tools/venv.sh python3 .venv requirements.txt && .venv/bin/python -m pip uninstall --quiet -y uv

COPY --chown=${NB_UID} . .
# The Makefile's stamp: .venv is up to date with requirements.txt, whatever its file time.
RUN touch .venv/.installed

# jupyter, jupyter-notebook (Binder) and python come from the project's .venv.
ENV PATH=${HOME}/.venv/bin:${PATH} JUPYTER_PATH=${HOME}/.venv/share/jupyter
# tools/lab.py: listen on the container's own interface (see LAB_CONTAINER there).
ENV LAB_IP=0.0.0.0 LAB_PORT=8888 LAB_CONTAINER=1
EXPOSE 8888
CMD ["python", "tools/lab.py", "--no-browser"]

# make docker-test: the same environment plus the test tools (requirements-test.txt).
FROM learner AS test
RUN sh tools/venv.sh python3 .venv requirements-test.txt && touch .venv/.installed .venv/.installed-test

# The learners' image: the default target.
FROM learner
