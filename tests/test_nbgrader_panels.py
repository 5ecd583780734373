"""nbgrader's parts in JupyterLab: none for a learner (make lab, the image), the assignment list and
Validate for a class's students, and the formgrader too for its teacher (classroom/jupyter/, which
make classroom puts on each server's JUPYTER_CONFIG_PATH). Read as JupyterLab and Jupyter Server
read them, in a fresh interpreter for each reader."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

CONFIG = ROOT / "classroom" / "jupyter"
READ = """
import json
from jupyter_core.paths import jupyter_config_path
from jupyter_server.extension.serverextension import ExtensionConfigManager
from jupyterlab_server.config import get_static_page_config
disabled = get_static_page_config()["disabledExtensions"]
server = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
print(json.dumps({"lab": sorted(k.split(":")[1] for k, off in disabled.items() if k.startswith("@jupyter/nbgrader:") and not off),
                  "server": sorted(k.split(".")[-1] for k, on in server.items() if k.startswith("nbgrader.") and on)}))
"""


def enabled(config_path: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_")}
    environment.update(JUPYTER_CONFIG_PATH=config_path, JUPYTER_CONFIG_DIR=str(ROOT / "build" / "no-user-config"))
    done = subprocess.run([sys.executable, "-c", READ], env=environment, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("reader, config_path, lab, server", [
    ("a learner", "", [], []),
    ("a student in a class", f"{CONFIG}/students", ["assignment-list", "menu", "validate-assignment"],
     ["assignment_list", "validate_assignment"]),
    # (not the Course List, which asks the formgrader at the browser's address, unreachable from a container)
    ("the teacher", f"{CONFIG}/teacher:{CONFIG}/students", ["assignment-list", "create-assignment", "formgrader", "menu",
                                                           "validate-assignment"],
     ["assignment_list", "formgrader", "validate_assignment"]),
])
def test_each_reader_gets_only_their_nbgrader_panels(reader, config_path, lab, server):
    assert enabled(config_path) == {"lab": lab, "server": server}, reader
