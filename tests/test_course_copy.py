"""tools/course-copy.sh: the copy of the course that make classroom mounts into the students'
containers holds the one branch handed out, and nothing a student could read of another."""

import subprocess
from pathlib import Path

from conftest import ROOT

COPY = ROOT / "tools" / "course-copy.sh"


def git(*args: str, cwd: Path | None = None) -> str:
    command = ["git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.org", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text, encoding="utf-8")
    git("add", name, cwd=repo)
    git("commit", "--quiet", "-m", name, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


def copy(repo: Path, branch: str, course: Path) -> None:
    subprocess.run([str(COPY), str(repo), branch, str(course)], check=True, timeout=60)


def readable(course: Path, sha: str) -> bool:
    return subprocess.run(["git", "--git-dir", str(course), "cat-file", "-e", sha], capture_output=True).returncode == 0


def test_the_copy_holds_only_the_branch_handed_out(tmp_path):
    repo, course = tmp_path / "repo", tmp_path / "course.git"
    repo.mkdir()
    git("init", "--quiet", "--initial-branch=main", cwd=repo)
    lesson = commit(repo, "lesson.md", "第一课\n")
    git("checkout", "--quiet", "-b", "solutions", cwd=repo)
    answers = commit(repo, "answers.md", "答案\n")
    git("checkout", "--quiet", "main", cwd=repo)
    copy(repo, "main", course)
    assert git("--git-dir", str(course), "for-each-ref", "--format=%(refname)") == "refs/heads/main"
    assert readable(course, lesson) and not readable(course, answers)


def test_a_branch_handed_out_before_or_a_rewritten_commit_is_pruned_from_the_copy(tmp_path):
    repo, course = tmp_path / "repo", tmp_path / "course.git"
    repo.mkdir()
    git("init", "--quiet", "--initial-branch=main", cwd=repo)
    commit(repo, "lesson.md", "第一课\n")
    git("checkout", "--quiet", "-b", "solutions", cwd=repo)
    answers = commit(repo, "answers.md", "答案\n")
    copy(repo, "solutions", course)
    assert readable(course, answers)
    copy(repo, "main", course)  # the teacher hands out main instead
    assert git("--git-dir", str(course), "for-each-ref", "--format=%(refname)") == "refs/heads/main"
    assert not readable(course, answers)
    git("checkout", "--quiet", "main", cwd=repo)
    draft = commit(repo, "lesson2.md", "草稿\n")
    copy(repo, "main", course)
    git("commit", "--quiet", "--amend", "-m", "lesson 2, corrected", cwd=repo)
    copy(repo, "main", course)  # the teacher rewrote the commit the class had
    assert git("--git-dir", str(course), "rev-parse", "main") == git("rev-parse", "main", cwd=repo)
    assert not readable(course, draft)
