"""classroom/z2jh-values.yaml against the Zero to JupyterHub chart's own schema (chart 4.4).

The chart validates the values Helm computes: its defaults (classroom/z2jh/values.yaml) with the
deployment's values merged over them. These tests do the same merge and the same validation.
"""

import copy
from pathlib import Path
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
    for name in ("course.git", "handout.git"):  # the course's copies, which make classroom makes first
        (tmp_path / name).mkdir()
        (tmp_path / name / "HEAD").write_text("ref: refs/heads/main\n")
    return PyFileConfigLoader("jupyterhub_config.py", str(ROOT / "classroom")).load_config()


def test_the_values_match_the_one_machine_classroom(values, classroom_config):
    """The same command, limits, threads, home, handout, culling, route checks and class as make classroom's defaults."""
    user, config = values["singleuser"], classroom_config
    assert [user["cmd"]] == config.DockerSpawner.cmd == ["jupyterhub-singleuser"]
    assert user["memory"]["limit"] == config.DockerSpawner.mem_limit == "1G"
    assert user["cpu"]["limit"] == config.DockerSpawner.cpu_limit == 1
    assert user["startTimeout"] == config.Spawner.start_timeout == 300
    assert values["hub"]["config"]["KubeSpawner"]["http_timeout"] == config.Spawner.http_timeout == 300
    environment = config.DockerSpawner.environment
    for name in ("OMP_NUM_THREADS", "MXNET_USE_OPERATOR_TUNING", "NOTEBOOKS_HANDOUT"):
        assert user["extraEnv"][name] == environment[name], name
    assert user["storage"]["homeMountPath"] == "/home/jovyan"
    assert "/home/jovyan" in config.DockerSpawner.volumes.values()
    link, ours = (parse_qs(urlsplit(url).query) for url in (user["defaultUrl"], config.Spawner.default_url))
    assert user["defaultUrl"].startswith("/git-pull?") and config.Spawner.default_url.startswith("/git-pull?")
    assert {k: v for k, v in link.items() if k != "repo"} == {k: v for k, v in ours.items() if k != "repo"}
    starter = (ROOT / "classroom" / "classroom.sh").read_text(encoding="utf-8")
    assert values["cull"]["timeout"] == 3600 and "idle=${CLASSROOM_IDLE_TIMEOUT:-3600}" in starter
    hub = values["hub"]["config"]
    assert hub["JupyterHub"]["authenticator_class"] == config.JupyterHub.authenticator_class == "shared-password"
    assert hub["JupyterHub"]["last_activity_interval"] == config.JupyterHub.last_activity_interval == 10
    assert set(hub["Authenticator"]["admin_users"]) == config.Authenticator.admin_users == {"teacher"}
    assert set(hub["Authenticator"]["allowed_users"]) | {"teacher"} == config.Authenticator.allowed_users
    assert hub["Authenticator"]["allow_existing_users"] is config.Authenticator.allow_existing_users is False


class Spawner:
    """What the two per-user hooks read and change of a spawner (DockerSpawner's or KubeSpawner's)."""

    def __init__(self, name: str, user_id: int, **traits):
        users = [type("User", (), {"name": n, "id": i})() for n, i in (("teacher", 1), ("student01", 2), ("student07", 8))]
        database = type("Database", (), {"query": lambda self, model: users})()
        self.user = type("User", (), {"name": name, "id": user_id, "db": database})()
        self.environment, self.default_url = {"OMP_NUM_THREADS": "1"}, "/git-pull?students"
        self.__dict__.update(traits)


def test_each_user_gets_the_same_uid_and_nbgrader_panels_on_both(values, classroom_config):
    """make classroom's per_user hook and the chart's (hub.extraConfig) give each user the same uid
    and nbgrader configuration, the teacher the class's uids and, on Kubernetes, a link of their own,
    the answers and tests covered in the students' servers only."""
    chart = {"c": type("Config", (), {"KubeSpawner": type("KubeSpawner", (), {})()})()}
    exec(values["hub"]["extraConfig"]["nbgrader"], chart)  # as the chart's hub runs it, with its c
    chart_hook, ours = chart["c"].KubeSpawner.pre_spawn_hook, classroom_config.Spawner.pre_spawn_hook
    mounts = values["singleuser"]["storage"]["extraVolumeMounts"]
    hidden = sorted(m["mountPath"] for m in mounts if m["name"] == "withheld")
    for name, user_id, uid in (("teacher", 1, "1000"), ("student07", 8, "10008")):
        kube = Spawner(name, user_id, volume_mounts={f"{i}-{m['name']}": m for i, m in enumerate(mounts)})  # as the chart does
        docker = Spawner(name, user_id, extra_create_kwargs={}, extra_host_config={}, volumes={})
        chart_hook(kube)
        ours(docker)
        for key in ("NB_UID", "JUPYTER_CONFIG_PATH", "CLASSROOM_UIDS"):
            assert kube.environment.get(key) == docker.environment.get(key), (name, key)
        assert docker.environment.get("CLASSROOM_UIDS") == ("student01:10002 student07:10008" if name == "teacher" else None)
        assert docker.environment["NB_UID"] == uid and docker.extra_create_kwargs["user"] == "0"
        assert kube.environment["OMP_NUM_THREADS"] == "1"  # the rest of the environment is kept
        covered = sorted(m["mountPath"] for m in kube.volume_mounts.values() if m["name"] == "withheld")
        assert covered == sorted(docker.extra_host_config.get("tmpfs", {})) == ([] if name == "teacher" else hidden)
        assert (kube.default_url != "/git-pull?students") is (name == "teacher")
        copy = {str(source): bind["bind"] for source, bind in docker.volumes.items() if isinstance(bind, dict)}
        assert [Path(source).name for source, target in copy.items() if target == "/srv/course"] == [
            "course.git" if name == "teacher" else "handout.git"]
    assert values["singleuser"]["uid"] == 0
    exchange = [m["mountPath"] for m in mounts if m["name"] == "exchange"]
    assert exchange == ["/srv/nbgrader/exchange"] and "/srv/nbgrader/exchange" in classroom_config.DockerSpawner.volumes.values()
