#!/bin/sh
# Copy one branch of the course's repository into a bare repository of its own, which
# make classroom mounts read-only into the teacher's container (classroom/jupyterhub_config.py).
# The copy holds that branch and nothing else: other branches are deleted, and when a branch
# was deleted or rewritten, the objects only it reached are pruned, so no one can read them.
# With HANDOUT, the students' copy is made from it: the same branch with the WITHHELD paths (the
# exercises' answers, the tests that hold them) taken out of every commit by git fast-export,
# limited to the other paths, and git fast-import. The same commits always give the same handout
# commits, so nbgitpuller merges the teacher's updates into the students' copies as before.
# Usage: classroom/course-copy.sh REPOSITORY BRANCH COPY [HANDOUT [WITHHELD...]]   (REPOSITORY: a folder or a URL)
set -eu
repo=${1:?usage: classroom/course-copy.sh REPOSITORY BRANCH COPY [HANDOUT [WITHHELD...]]}
branch=${2:?usage: classroom/course-copy.sh REPOSITORY BRANCH COPY [HANDOUT [WITHHELD...]]}
copy=${3:?usage: classroom/course-copy.sh REPOSITORY BRANCH COPY [HANDOUT [WITHHELD...]]}
handout=${4:-}
shift $(($# < 4 ? $# : 4))
umask 022  # the servers' uids read it

# Keep only refs/heads/BRANCH in the repository GIT_DIR; say whether it held anything else.
only_the_branch() {
  others=
  for ref in $(git for-each-ref --format='%(refname)'); do
    [ "$ref" = "refs/heads/$branch" ] || { git update-ref -d "$ref"; others=yes; }
  done
  [ -n "$others" ]
}
# Drop the objects that nothing reaches any more.
prune() {
  git reflog expire --expire=now --all
  git gc --quiet --prune=now
}

[ -f "$copy/HEAD" ] || git init --quiet --bare "$copy"
export GIT_DIR="$copy"
stale=
! only_the_branch || stale=yes
old=$(git rev-parse --quiet --verify "refs/heads/$branch" || true)
timeout 60 git fetch --quiet --no-tags "$repo" "+refs/heads/$branch:refs/heads/$branch"
git symbolic-ref HEAD "refs/heads/$branch"
[ -z "$old" ] || git merge-base --is-ancestor "$old" "refs/heads/$branch" || stale=yes
[ -z "$stale" ] || prune
[ -n "$handout" ] || exit 0

head=$(git rev-parse "refs/heads/$branch")
[ -f "$handout/HEAD" ] || git init --quiet --bare "$handout"
[ "$(git --git-dir="$handout" config --get handout.source || true)" != "$head:$*" ] || exit 0
paths=.
for path; do paths="$paths :(exclude)$path"; done
# shellcheck disable=SC2086  # one pathspec a word
git fast-export --reencode=no --signed-tags=strip --tag-of-filtered-object=drop "refs/heads/$branch" -- $paths |
  git --git-dir="$handout" fast-import --quiet --force
export GIT_DIR="$handout"
stale=
! only_the_branch || stale=yes
git symbolic-ref HEAD "refs/heads/$branch"
git rev-parse --quiet --verify "refs/heads/$branch" >/dev/null ||
  { echo "error: every commit of $branch touches only withheld paths ($*): nothing to hand out" >&2; exit 1; }
old=$(git config --get handout.commit || true)
[ -z "$old" ] || git merge-base --is-ancestor "$old" "refs/heads/$branch" 2>/dev/null || stale=yes
[ -z "$stale" ] || prune
git config handout.commit "$(git rev-parse "refs/heads/$branch")"
git config handout.source "$head:$*"
