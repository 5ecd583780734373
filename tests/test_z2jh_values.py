"""classroom/z2jh-values.yaml against the Zero to JupyterHub chart's own schema (chart 4.4).

The chart validates the values Helm computes: its defaults (classroom/z2jh/values.yaml) with the
deployment's values merged over them. These tests do the same merge and the same validation.
"""

import copy

import jsonschema
import pytest
import yaml
from conftest import ROOT

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


def test_the_values_match_the_one_machine_classroom(values):
    """The same limits, threads, handout and culling as make classroom's defaults."""
    config = (ROOT / "classroom" / "jupyterhub_config.py").read_text(encoding="utf-8")
    user = values["singleuser"]
    assert user["cmd"] == "jupyterhub-singleuser" and '["jupyterhub-singleuser"]' in config
    assert user["extraEnv"]["OMP_NUM_THREADS"] == str(user["cpu"]["limit"]) == "1"
    assert 'env("CLASSROOM_CPUS", "1")' in config and 'env("CLASSROOM_MEMORY", "1G")' in config
    assert user["memory"]["limit"] == "1G"
    assert user["storage"]["homeMountPath"] == "/home/jovyan"
    assert user["defaultUrl"].startswith("/git-pull?") and "targetpath=mxnet-linreg" in user["defaultUrl"]
    starter = (ROOT / "tools" / "classroom.sh").read_text(encoding="utf-8")
    assert values["cull"]["timeout"] == 3600 and "idle=${CLASSROOM_IDLE_TIMEOUT:-3600}" in starter
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "shared-password"
    roster = [line for line in (ROOT / "classroom" / "roster.txt").read_text().splitlines() if not line.startswith("#")]
    assert values["hub"]["config"]["Authenticator"]["allowed_users"] == roster
