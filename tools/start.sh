#!/bin/sh
# The image's entrypoint. On a container's first start, the student's home gets its own copy of
# the notebooks: /opt/mxnet-linreg/notebooks is copied to ~/notebooks only when ~/notebooks does
# not exist yet, so nothing a student changed is ever overwritten. A classroom that hands the
# notebooks out with nbgitpuller instead sets NOTEBOOKS_HANDOUT=nbgitpuller (classroom/).
# Then it runs the command: JupyterLab, jupyterhub-singleuser, Binder's jupyter-notebook, ...
set -eu
if [ "${NOTEBOOKS_HANDOUT:-copy}" = copy ] && [ ! -e "$HOME/notebooks" ]; then
  cp -R /opt/mxnet-linreg/notebooks "$HOME/notebooks" ||
    echo "warning: could not copy the notebooks into $HOME/notebooks; they are in /opt/mxnet-linreg/notebooks" >&2
fi
exec "$@"
