# The teacher's nbgrader (make classroom gives the teacher's server this folder and students/ on
# JUPYTER_CONFIG_PATH): the course's folder, with its source, releases, submissions and gradebook,
# is ~/course in the teacher's own volume, which no student's server mounts.
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.root = "/home/jovyan/course"
# The answer cells' stub in what students get: the same as notebooks/06-exercises.ipynb's
# (classroom/exercises.sh takes this line from here).
c.ClearSolutions.code_stub = {"python": "# 在这里写你的答案\nraise NotImplementedError()"}
