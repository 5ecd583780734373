# The series in a container: Debian 12's Python 3.11 and the project's own .venv, made
# from requirements.txt by tools/venv.sh, as `make venv` makes it on a host. One image
# for `make docker-lab`, `make docker-test`, Dev Containers and Binder (repo2docker).
#   make image                        # build it (tag mxnet-linreg)
#   docker run --rm -p 127.0.0.1:8888:8888 mxnet-linreg   # JupyterLab; open the printed URL
ARG BASE=debian:bookworm-slim
FROM ${BASE}

# Binder passes the user it runs as; uid 1000 otherwise. Never root.
ARG NB_USER=jovyan
ARG NB_UID=1000
ENV USER=${NB_USER} HOME=/home/${NB_USER} LANG=C.UTF-8 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1

# libgomp1 and libquadmath0: system libraries that mxnet 1.9.1's wheel loads but does not ship.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv make \
      libgomp1 libquadmath0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid ${NB_UID} --shell /bin/bash ${NB_USER}

USER ${NB_USER}
WORKDIR ${HOME}

# The packages first, from the pins alone: editing a notebook or a tool does not reinstall them.
COPY --chown=${NB_UID} requirements.txt ./
COPY --chown=${NB_UID} tools/venv.sh tools/
RUN sh tools/venv.sh python3 .venv

COPY --chown=${NB_UID} . .
# The Makefile's stamp: .venv is up to date with requirements.txt, whatever its file time.
RUN touch .venv/.installed

# jupyter, jupyter-notebook (Binder) and python come from the project's .venv.
ENV PATH=${HOME}/.venv/bin:${PATH} JUPYTER_PATH=${HOME}/.venv/share/jupyter
# tools/lab.py: listen on the container's own interface (see LAB_CONTAINER there).
ENV LAB_IP=0.0.0.0 LAB_PORT=8888 LAB_CONTAINER=1
EXPOSE 8888
CMD ["python", "tools/lab.py", "--no-browser"]
