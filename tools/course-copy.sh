#!/bin/sh
# Copy one branch of the course's repository into a bare repository of its own, which
# make classroom mounts read-only into the students' containers (classroom/jupyterhub_config.py).
# The copy holds that branch and nothing else: other branches are deleted, and when a branch
# was deleted or rewritten, the objects only it reached are pruned, so students cannot read them.
# Usage: tools/course-copy.sh REPOSITORY BRANCH COPY   (REPOSITORY: a folder or a URL)
set -eu
repo=${1:?usage: tools/course-copy.sh REPOSITORY BRANCH COPY}
branch=${2:?usage: tools/course-copy.sh REPOSITORY BRANCH COPY}
copy=${3:?usage: tools/course-copy.sh REPOSITORY BRANCH COPY}
umask 022  # the students' uid reads it
[ -f "$copy/HEAD" ] || git init --quiet --bare "$copy"
export GIT_DIR="$copy"
prune=
for ref in $(git for-each-ref --format='%(refname)'); do
  [ "$ref" = "refs/heads/$branch" ] || { git update-ref -d "$ref"; prune=yes; }
done
old=$(git rev-parse --quiet --verify "refs/heads/$branch" || true)
timeout 60 git fetch --quiet --no-tags "$repo" "+refs/heads/$branch:refs/heads/$branch"
git symbolic-ref HEAD "refs/heads/$branch"
[ -z "$old" ] || git merge-base --is-ancestor "$old" "refs/heads/$branch" || prune=yes
if [ -n "$prune" ]; then
  git reflog expire --expire=now --all
  git gc --quiet --prune=now
fi
