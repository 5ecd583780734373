"""The locked requirements: declared once in pyproject.toml, every pin hashed, installs hash-checked.

requirements.txt (the learners' set), requirements-test.txt (that set plus the test tools),
classroom/requirements.txt (the classroom's hub) and setup/requirements-uv.txt (the installer) are compiled by `make lock` from the dependency groups
in pyproject.toml. These tests read the files offline; the last one installs one package with
a tampered hash into a throwaway environment and expects uv's own refusal.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement

LOCKS = {"learn": ROOT / "requirements.txt", "test": ROOT / "requirements-test.txt",
         "classroom": ROOT / "classroom" / "requirements.txt", "uv": ROOT / "setup" / "requirements-uv.txt"}
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s*--hash=sha256:[0-9a-f]{64})*)", re.MULTILINE)
UV = Path(sys.prefix) / "bin" / "uv"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of a lock file."""
    return {canonical(name): (version, hashes.count("--hash=")) for name, version, hashes in PIN.findall(path.read_text())}


def declared(group: str) -> list[Requirement]:
    """The requirements of a dependency group in pyproject.toml, included groups expanded."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    found = []
    for item in groups[group]:
        found += declared(item["include-group"]) if isinstance(item, dict) else [Requirement(item)]
    return found


@pytest.mark.parametrize("group", LOCKS)
def test_every_pin_of_every_lock_has_a_hash(group):
    text = LOCKS[group].read_text()
    requirement_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    locked = pins(LOCKS[group])
    assert len(locked) == len(requirement_lines) > 0
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []


@pytest.mark.parametrize("group", LOCKS)
def test_the_lock_satisfies_what_pyproject_declares(group):
    locked = pins(LOCKS[group])
    for requirement in declared(group):
        name = canonical(requirement.name)
        assert name in locked, f"{requirement} is declared in group {group!r} but not in {LOCKS[group].name}"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (
            f"{LOCKS[group].name} pins {name}=={locked[name][0]}, outside the declared {requirement}: run `make lock`")


def test_the_test_lock_holds_the_learners_set_at_the_same_versions():
    learn, test = pins(LOCKS["learn"]), pins(LOCKS["test"])
    assert {n: v for n, (v, _) in learn.items()} == {n: test[n][0] for n in learn if n in test}
    assert set(learn) <= set(test)


def test_the_image_serves_the_same_jupyterhub_as_the_classrooms_hub():
    """jupyterhub-singleuser in the image (the learners' set) must be the hub's own version."""
    assert pins(LOCKS["learn"])["jupyterhub"][0] == pins(LOCKS["classroom"])["jupyterhub"][0] == "5.5.0"


def test_the_learners_set_has_no_test_tools():
    learn = pins(LOCKS["learn"])
    assert not {"pytest", "nbval", "ruff", "playwright", "pytest-xdist", "pytest-timeout"} & set(learn)


def test_a_package_whose_hash_differs_from_the_lock_is_refused(tmp_path):
    """Every hash of `six` changed by one digit: uv must refuse it (first the untouched pin must install)."""
    if not UV.exists():
        pytest.skip(f"no uv at {UV}: make venv installs it")
    entry = re.search(r"^six==.*?(?=^\S)", LOCKS["learn"].read_text(), re.MULTILINE | re.DOTALL).group(0)
    tampered = re.sub(r"(--hash=sha256:)([0-9a-f])", lambda m: m[1] + ("1" if m[2] == "0" else "0"), entry)
    assert tampered != entry
    env = dict(os.environ, UV_SYSTEM_CERTS=os.environ.get("UV_SYSTEM_CERTS", "1"))
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(tmp_path / "v")],
                   check=True, capture_output=True, timeout=60, env=env)

    def install(text: str) -> subprocess.CompletedProcess:
        (tmp_path / "lock.txt").write_text(text)
        return subprocess.run([str(UV), "pip", "install", "--python", str(tmp_path / "v" / "bin" / "python"),
                               "--require-hashes", "--no-build", "--no-deps", "--reinstall", "-r",
                               str(tmp_path / "lock.txt")], capture_output=True, text=True, timeout=120, env=env)

    control = install(entry)
    if control.returncode != 0:
        message = f"cannot install the untouched pin of six here (no network or cache?): {control.stderr[-300:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    refused = install(tampered)
    assert refused.returncode != 0 and "Hash mismatch" in refused.stderr, refused.stderr
