"""tools/course-copy.sh: the copy of the course that make classroom mounts into the students'
containers holds the one branch handed out, and nothing a student could read of another."""

import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, git, run

COPY = ROOT / "tools" / "course-copy.sh"


def commit(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", name)
    git(repo, "commit", "--quiet", "-m", name)
    return git(repo, "rev-parse", "HEAD").strip()


def copy(repo: Path, branch: str, course: Path) -> None:
    run(str(COPY), str(repo), branch, str(course), timeout=60)


def branches(course: Path) -> list[str]:
    return git(course, "for-each-ref", "--format=%(refname)").split()


def readable(course: Path, sha: str) -> bool:
    return subprocess.run(["git", "--git-dir", str(course), "cat-file", "-e", sha], capture_output=True).returncode == 0


@pytest.fixture
def course(tmp_path):
    """A course's repository with a lesson on main and the answers on the branch solutions; the
    folder its copy goes to; and the two commits."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    lesson = commit(repo, "lesson.md", "第一课\n")
    git(repo, "checkout", "--quiet", "-b", "solutions")
    answers = commit(repo, "answers.md", "答案\n")
    git(repo, "checkout", "--quiet", "main")
    return repo, tmp_path / "course.git", lesson, answers


def test_the_copy_holds_only_the_branch_handed_out(course):
    repo, copied, lesson, answers = course
    copy(repo, "main", copied)
    assert branches(copied) == ["refs/heads/main"]
    assert readable(copied, lesson) and not readable(copied, answers)


def test_a_branch_handed_out_before_or_a_rewritten_commit_is_pruned_from_the_copy(course):
    repo, copied, _, answers = course
    copy(repo, "solutions", copied)
    assert readable(copied, answers)
    copy(repo, "main", copied)  # the teacher hands out main instead
    assert branches(copied) == ["refs/heads/main"]
    assert not readable(copied, answers)
    draft = commit(repo, "lesson2.md", "草稿\n")
    copy(repo, "main", copied)
    git(repo, "commit", "--quiet", "--amend", "-m", "lesson 2, corrected")
    copy(repo, "main", copied)  # the teacher rewrote the commit the class had
    assert git(copied, "rev-parse", "main") == git(repo, "rev-parse", "main")
    assert not readable(copied, draft)
