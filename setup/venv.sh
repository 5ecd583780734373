#!/bin/sh
# Create or update the project's virtual environment from a locked requirements file.
# Usage: setup/venv.sh PYTHON VENV LOCK   (the Makefile: `make venv` with requirements.txt,
# `make test` with requirements-test.txt, `make classroom` with classroom/requirements.txt;
# the Dockerfile the same way).
# It checks the interpreter before creating anything, bootstraps uv (pinned and hashed in
# setup/requirements-uv.txt) into the venv with pip, makes the venv hold exactly LOCK with
# `uv pip sync` in hash-checking mode (every file must match its --hash; nothing is built
# from source). For the notebooks' locks it then registers the environment as the Jupyter
# kernel "mxnet" inside the venv, turns off JupyterLab's news prompt and update check
# (the machine may have no internet) and nbgrader's panels (a class's hub turns them on).
set -eu
python=${1:-python3}
venv=${2:-.venv}
lock=${3:-requirements.txt}

fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

[ -f "$lock" ] || fail "no lock file $lock (run from the project's folder)."
command -v "$python" >/dev/null 2>&1 ||
  fail "no interpreter '$python' on PATH. Install CPython 3.11 and run: make PYTHON=python3.11 <target>"

version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
  fail "'$python' did not run as Python. Point the Makefile at CPython 3.11: make PYTHON=python3.11 <target>"

if [ "$version" != "3.11" ]; then
  fail "found Python $version ('$python'); this project supports CPython 3.11 only.
  Why: mxnet 1.9.1 (its last release) needs numpy < 1.24, and numpy 1.23.5 has wheels only up to
  Python 3.11; the pinned JupyterLab/IPython/matplotlib set needs 3.11 or newer.
  Fix: make PYTHON=python3.11 <target>   (or PYTHON=/path/to/python3.11)"
fi

if [ -x "$venv/bin/python" ]; then
  have=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ "$have" = "3.11" ] || fail "$venv was made with Python $have. Remove it (make clean) and run make again."
else
  echo "Creating $venv with $python (Python $version)"
  "$python" -m venv "$venv" ||
    fail "'$python -m venv' failed. On Debian/Ubuntu install the venv module: apt-get install python3.11-venv"
fi

if ! "$venv/bin/uv" --version 2>/dev/null | grep -q "^uv $(sed -n 's/^uv==\([^ ]*\).*/\1/p' setup/requirements-uv.txt) "; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
    -r setup/requirements-uv.txt
fi
# uv trusts the system's certificates (as pip here trusts what pip.conf names), e.g. a proxy's CA.
export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"
# The classroom's hub (no mxnet in its lock) starts again after each crash or change of its config: its
# bytecode is stored now (uv stores none by default, and PYTHONDONTWRITEBYTECODE, where set, keeps Python
# from storing it later), so that no start compiles it again.
compile=
grep -q '^mxnet==' "$lock" || compile=--compile-bytecode
"$venv/bin/uv" pip sync --quiet --python "$venv/bin/python" --require-hashes --no-build $compile "$lock"
"$venv/bin/uv" pip check --quiet --python "$venv/bin/python"
# The rest concerns the notebooks' environment; the classroom's hub (classroom/requirements.txt) has no kernel.
if ! grep -q '^mxnet==' "$lock"; then
  echo "$venv is ready ($lock)"
  exit 0
fi
"$venv/bin/python" -m ipykernel install --sys-prefix --name mxnet --display-name "Python 3 (mxnet)" >/dev/null
# The kernel shows no random IPython tip: picking one calls Python's global random.choice every time a
# front end connects (kernel_info), which would move the notebooks' seeded random.shuffle stream.
mkdir -p "$venv/etc/ipython"
printf '# Written by setup/venv.sh: keep the kernel off the global random stream.\nc.InteractiveShell.enable_tip = False\n' \
  > "$venv/etc/ipython/ipython_kernel_config.py"
# JupyterLab in this venv: do not ask about fetching news from the internet, nor check for updates.
mkdir -p "$venv/share/jupyter/lab/settings"
cat > "$venv/share/jupyter/lab/settings/overrides.json" <<'JSON'
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
JSON
# nbgrader (the exercises' format) stays out of JupyterLab here, as `jupyter labextension disable
# --level=sys_prefix` and `jupyter server extension disable --sys-prefix` would write it (those commands
# start a Jupyter application each, which is slow): a learner's lab shows none of its panels and its
# server does not import it. A class's
# hub turns on what each user needs (classroom/jupyter/: the assignment list, or the formgrader too).
mkdir -p "$venv/etc/jupyter/labconfig"
cat > "$venv/etc/jupyter/labconfig/page_config.json" <<'JSON'
{"disabledExtensions": {"@jupyter/nbgrader:menu": true, "@jupyter/nbgrader:assignment-list": true,
  "@jupyter/nbgrader:validate-assignment": true, "@jupyter/nbgrader:formgrader": true,
  "@jupyter/nbgrader:course-list": true, "@jupyter/nbgrader:create-assignment": true}}
JSON
for part in assignment_list course_list formgrader validate_assignment; do
  printf '{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.%s": false}}}\n' "$part" \
    > "$venv/etc/jupyter/jupyter_server_config.d/nbgrader.server_extensions.$part.json"
done
echo "$venv is ready ($lock): $("$venv/bin/python" -c 'import mxnet, numpy; print("mxnet", mxnet.__version__, "numpy", numpy.__version__)')"
