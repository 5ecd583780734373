# The series in a container: Debian 12's Python 3.11 and the project's .venv, made by
# setup/venv.sh from the hash-checked lock requirements.txt, as `make venv` makes it on a host.
# The project and its environment live in /opt/mxnet-linreg, outside the home directory, so the
# image also works when a classroom's JupyterHub mounts a student's own (empty at first) volume
# at /home/jovyan. The default (last) stage is the learners' image, for `make docker-lab`,
# `make classroom`, Dev Containers and Binder (repo2docker); the stage "test" adds the test
# tools on top, for `make docker-test`.
#   make image                        # build it (tag mxnet-linreg)
#   docker run --rm -p 127.0.0.1:8888:8888 mxnet-linreg   # JupyterLab; open the printed URL
ARG BASE=debian:bookworm-slim
FROM ${BASE} AS learner
# Marks every image built from this file (the learners', the test stage, Dev Containers', Binder's):
# make image and make docker-test remove the project's untagged images, the builds theirs replaced.
LABEL mxnet-linreg.project=mxnet-linreg

# Binder passes the user it runs as; uid 1000 otherwise. Never root.
ARG NB_USER=jovyan
ARG NB_UID=1000
ENV USER=${NB_USER} HOME=/home/${NB_USER} LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1

# libgomp1 and libquadmath0: system libraries that mxnet 1.9.1's wheel loads but does not ship.
# git: nbgitpuller (the classroom's link) clones and merges the notebooks with it; make classroom
# mounts a copy of the course's branch at /srv/course, owned by another user, which git must trust.
# /srv/nbgrader/exchange: a class's nbgrader exchange (make classroom mounts a volume there, which
# Docker fills from this folder on its first use). nbgrader requires it world-writable (mode 777);
# the sticky bit lets only an entry's owner rename or remove it, and the course's own folder belongs
# to the teacher's uid (1000), so that no student can take the course's name before the teacher.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv make \
      libgomp1 libquadmath0 git \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --create-home --uid ${NB_UID} --shell /bin/bash ${NB_USER} \
 && git config --system --add safe.directory /srv/course \
 && mkdir -p /srv/nbgrader/exchange/mxnet-linreg \
 && chmod 1777 /srv/nbgrader/exchange && chown ${NB_USER} /srv/nbgrader/exchange/mxnet-linreg

WORKDIR /opt/mxnet-linreg
# The packages first, from the lock alone: editing a notebook or a tool does not reinstall them.
COPY requirements.txt ./
COPY setup/venv.sh setup/requirements-uv.txt setup/
# uv installed the set; learners do not need the installer itself, so it goes. Then the
# modules that every server and kernel imports at start-up are imported once, which stores their
# bytecode: each student's server and kernel then starts without compiling them again (the
# students cannot write here; only those modules, since compiling everything would grow the image
# several times as much).
RUN sh setup/venv.sh python3 .venv requirements.txt \
 && .venv/bin/python -m pip uninstall --quiet -y uv \
 && MPLCONFIGDIR=/tmp/mpl .venv/bin/python -c "import jupyterhub.singleuser, jupyter_server.serverapp, jupyterlab.labapp, \
      notebook.app, jupyter_lsp, jupyter_server_terminals, nbgitpuller.handlers, nbgrader.server_extensions.assignment_list, \
      nbgrader.server_extensions.validate_assignment, nbgrader.server_extensions.formgrader, ipykernel.kernelapp, \
      ipykernel.ipkernel, matplotlib_inline.backend_inline, matplotlib.pyplot, mxnet" \
 && rm -rf /tmp/mpl

COPY . .
# The Makefile's stamp: .venv is up to date with requirements.txt, whatever its file time.
RUN touch .venv/.installed

# jupyter, jupyter-notebook (Binder), jupyterhub-singleuser (a hub) and python come from .venv.
ENV PATH=/opt/mxnet-linreg/.venv/bin:${PATH} JUPYTER_PATH=/opt/mxnet-linreg/.venv/share/jupyter \
    PYTHONDONTWRITEBYTECODE=1
# lab/lab.py: listen on the container's own interface (see LAB_CONTAINER there), serve ~/notebooks.
ENV LAB_IP=0.0.0.0 LAB_PORT=8888 LAB_CONTAINER=1 LAB_NOTEBOOKS=/home/${NB_USER}/notebooks
USER ${NB_USER}
WORKDIR ${HOME}
EXPOSE 8888
# image/start.sh copies the notebooks into ~/notebooks on the first start, then runs the command.
ENTRYPOINT ["/opt/mxnet-linreg/image/start.sh"]
CMD ["python", "/opt/mxnet-linreg/lab/lab.py", "--no-browser"]

# make docker-test: the same environment plus the test tools (requirements-test.txt), run in place.
FROM learner AS test
USER root
WORKDIR /opt/mxnet-linreg
RUN sh setup/venv.sh python3 .venv requirements-test.txt && touch .venv/.installed .venv/.installed-test
ENTRYPOINT []
CMD ["make", "test"]

# The learners' image: the default target.
FROM learner
