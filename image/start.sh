#!/bin/sh
# The image's entrypoint.
# - In a class (make classroom), the hub starts each server's container as root with NB_UID, a uid of
#   that user's own, so that nbgrader's permissions keep one student's submissions from another:
#   jovyan takes that uid (usermod also hands it the home's files the old uid owned), and everything
#   after runs as jovyan, with no way back to root (no_new_privs: setuid programs do not raise it).
# - On a container's first start, the student's home gets its own copy of the notebooks:
#   /opt/mxnet-linreg/notebooks is copied to ~/notebooks only when ~/notebooks does not exist yet, so
#   nothing a student changed is ever overwritten. A classroom that hands the notebooks out with
#   nbgitpuller instead sets NOTEBOOKS_HANDOUT=nbgitpuller (classroom/).
# Then it runs the command: JupyterLab, jupyterhub-singleuser, Binder's jupyter-notebook, ...
# - Started as root with NB_UID=0 (make docker-lab run by root passes the host's uid), it stays root.
set -eu
if [ "$(id -u)" = 0 ] && [ "${NB_UID:-}" != 0 ]; then
  case ${NB_UID:-} in
    ''|*[!0-9]*) echo "error: started as root without NB_UID, the uid to run as (a number; 0 stays root): run as jovyan, or set NB_UID" >&2; exit 1 ;;
  esac
  [ "$(id -u jovyan)" = "$NB_UID" ] || usermod --non-unique --uid "$NB_UID" jovyan
  # The teacher's server is given the class's uids (CLASSROOM_UIDS="name:uid ..."): each becomes a
  # name here, so that nbgrader collect can say who owns a submission.
  set -f  # the entries are words, not file patterns
  for entry in ${CLASSROOM_UIDS:-}; do
    name=${entry%%:*} uid=${entry#*:}
    case $name in ''|*[!a-z0-9._@-]*) echo "warning: skipped the user entry $entry (a name of a-z 0-9 . _ @ -)" >&2; continue ;; esac
    case $uid in ''|*[!0-9]*) echo "warning: skipped the user entry $entry (no uid)" >&2; continue ;; esac
    getent passwd "$name" >/dev/null || echo "$name:x:$uid:$(id -g jovyan)::/nonexistent:/usr/sbin/nologin" >> /etc/passwd
  done
  set +f
  [ "$(stat -c %u "$HOME")" = "$NB_UID" ] || chown -R "$NB_UID" "$HOME"
  exec setpriv --reuid="$NB_UID" --regid="$(id -g jovyan)" --init-groups --no-new-privs --inh-caps=-all "$0" "$@"
fi
if [ "${NOTEBOOKS_HANDOUT:-copy}" = copy ] && [ ! -e "$HOME/notebooks" ]; then
  cp -R /opt/mxnet-linreg/notebooks "$HOME/notebooks" ||
    echo "warning: could not copy the notebooks into $HOME/notebooks; they are in /opt/mxnet-linreg/notebooks" >&2
fi
exec "$@"
