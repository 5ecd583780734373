"""classroom/course-copy.sh: the copy of the course that make classroom mounts into the students'
containers holds the one branch handed out, and nothing a student could read of another."""

import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, git, run

COPY = ROOT / "classroom" / "course-copy.sh"


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


def handout(repo: Path, branch: str, course: Path, students: Path, *withheld: str) -> None:
    run(str(COPY), str(repo), branch, str(course), str(students), *withheld, timeout=60)


def blobs(course: Path) -> set[str]:
    """Every blob the repository holds, reachable or not."""
    listed = git(course, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectname)").split("\n")
    return {line.split()[1] for line in listed if line.startswith("blob ")}


def test_the_students_copy_holds_no_version_of_a_withheld_path_and_updates_as_a_descendant(course):
    repo, copied, _, _ = course
    (repo / "tests").mkdir()
    commit(repo, "answers.ipynb", "答案 1\n")
    commit(repo, "tests/test_answers.py", "答案 1\n")
    commit(repo, "answers.ipynb", "答案 2\n")  # a commit that touches only a withheld path
    secrets = {git(repo, "rev-parse", f"HEAD~{n}:{path}").strip()
               for n, path in ((0, "answers.ipynb"), (1, "tests/test_answers.py"), (2, "answers.ipynb"))}
    students = copied.parent / "handout.git"
    handout(repo, "main", copied, students, "answers.ipynb", "tests")
    first = git(students, "rev-parse", "main").strip()
    assert branches(students) == ["refs/heads/main"]
    assert git(students, "ls-tree", "-r", "--name-only", "main").split() == ["lesson.md"]
    assert not blobs(students) & secrets, "the students' copy holds a version of a withheld file"
    handout(repo, "main", copied, students, "answers.ipynb", "tests")  # nothing new: the same copy
    assert git(students, "rev-parse", "main").strip() == first
    commit(repo, "lesson2.md", "第二课\n")
    handout(repo, "main", copied, students, "answers.ipynb", "tests")
    assert git(students, "rev-parse", "main~1").strip() == first, "the update is not a child of what the class has"
    assert git(students, "ls-tree", "-r", "--name-only", "main").split() == ["lesson.md", "lesson2.md"]
    assert readable(copied, git(repo, "rev-parse", "HEAD:answers.ipynb").strip()), "the teacher's copy lacks the answers"
