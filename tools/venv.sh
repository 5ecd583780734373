#!/bin/sh
# Create or update the project's virtual environment from requirements.txt.
# Usage: tools/venv.sh PYTHON VENV   (the Makefile calls it as `make venv`).
# It checks the interpreter before creating anything, installs the pinned packages,
# registers the environment as the Jupyter kernel "mxnet" inside the venv, and turns off
# JupyterLab's news prompt and update check (the machine may have no internet).
set -eu
python=${1:-python3}
venv=${2:-.venv}

fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

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

"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
"$venv/bin/python" -m pip check
"$venv/bin/python" -m ipykernel install --sys-prefix --name mxnet --display-name "Python 3 (mxnet)" >/dev/null
# The kernel shows no random IPython tip: picking one calls Python's global random.choice every time a
# front end connects (kernel_info), which would move the notebooks' seeded random.shuffle stream.
mkdir -p "$venv/etc/ipython"
printf '# Written by tools/venv.sh: keep the kernel off the global random stream.\nc.InteractiveShell.enable_tip = False\n' \
  > "$venv/etc/ipython/ipython_kernel_config.py"
# JupyterLab in this venv: do not ask about fetching news from the internet, nor check for updates.
mkdir -p "$venv/share/jupyter/lab/settings"
cat > "$venv/share/jupyter/lab/settings/overrides.json" <<'JSON'
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
JSON
echo "$venv is ready: $("$venv/bin/python" -c 'import mxnet, numpy; print("mxnet", mxnet.__version__, "numpy", numpy.__version__)')"
