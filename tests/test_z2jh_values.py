"""classroom/z2jh-values.yaml against the Zero to JupyterHub chart's own schema (chart 4.4).

The chart validates the values Helm computes: its defaults (classroom/z2jh/values.yaml) with the
deployment's values merged over them. These tests do the same merge and the same validation.
"""

import copy
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import yaml
from conftest import ROOT
from traitlets.config.loader import PyFileConfigLoader

CHART = ROOT / "classroom" / "z2jh"
VALUES = ROOT / "classroom" / "z2jh-values.yaml"


def merged(defaults: dict, values: dict) -> dict:
    """Helm's merge of values over a chart's defaults: maps merge key by key, anything else replaces,
    and null removes the key."""
    result = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def errors(values: dict) -> list[str]:
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(merged(defaults, values))]


@pytest.fixture
def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def test_the_values_file_passes_the_charts_schema(values):
    assert errors(values) == []


def test_the_schema_check_catches_a_misspelt_key(values):
    values["singleuser"]["storage"]["homeMountpath"] = values["singleuser"]["storage"].pop("homeMountPath")
    assert any("homeMountpath" in error for error in errors(values))


@pytest.fixture
def classroom_config(tmp_path, monkeypatch):
    """make classroom's config as JupyterHub loads it, with its defaults (no Docker asked)."""
    for name in ("CLASSROOM_REPO", "CLASSROOM_BRANCH", "CLASSROOM_CPUS", "CLASSROOM_MEMORY", "CLASSROOM_ROSTER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLASSROOM_BRIDGE", "172.17.0.1")
    monkeypatch.setenv("CLASSROOM_STATE", str(tmp_path))
    (tmp_path / "course.git").mkdir()  # the course's copy, which make classroom makes first
    (tmp_path / "course.git" / "HEAD").write_text("ref: refs/heads/main\n")
    return PyFileConfigLoader("jupyterhub_config.py", str(ROOT / "classroom")).load_config()


def test_the_values_match_the_one_machine_classroom(values, classroom_config):
    """The same command, limits, threads, home, handout, culling, route checks and class as make classroom's defaults."""
    user, config = values["singleuser"], classroom_config
    assert [user["cmd"]] == config.DockerSpawner.cmd == ["jupyterhub-singleuser"]
    assert user["memory"]["limit"] == config.DockerSpawner.mem_limit == "1G"
    assert user["cpu"]["limit"] == config.DockerSpawner.cpu_limit == 1
    environment = config.DockerSpawner.environment
    for name in ("OMP_NUM_THREADS", "MXNET_USE_OPERATOR_TUNING", "NOTEBOOKS_HANDOUT"):
        assert user["extraEnv"][name] == environment[name], name
    assert user["storage"]["homeMountPath"] == "/home/jovyan"
    assert "/home/jovyan" in config.DockerSpawner.volumes.values()
    link, ours = (parse_qs(urlsplit(url).query) for url in (user["defaultUrl"], config.Spawner.default_url))
    assert user["defaultUrl"].startswith("/git-pull?") and config.Spawner.default_url.startswith("/git-pull?")
    assert {k: v for k, v in link.items() if k != "repo"} == {k: v for k, v in ours.items() if k != "repo"}
    starter = (ROOT / "tools" / "classroom.sh").read_text(encoding="utf-8")
    assert values["cull"]["timeout"] == 3600 and "idle=${CLASSROOM_IDLE_TIMEOUT:-3600}" in starter
    hub = values["hub"]["config"]
    assert hub["JupyterHub"]["authenticator_class"] == config.JupyterHub.authenticator_class == "shared-password"
    assert hub["JupyterHub"]["last_activity_interval"] == config.JupyterHub.last_activity_interval == 10
    assert set(hub["Authenticator"]["admin_users"]) == config.Authenticator.admin_users == {"teacher"}
    assert set(hub["Authenticator"]["allowed_users"]) | {"teacher"} == config.Authenticator.allowed_users
    assert hub["Authenticator"]["allow_existing_users"] is config.Authenticator.allow_existing_users is False
