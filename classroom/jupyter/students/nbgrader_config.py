# nbgrader in the class (make classroom; the teacher's server reads this too): one course, whose
# exchange is the volume every server of the class mounts at /srv/nbgrader/exchange
# (classroom/jupyterhub_config.py). The students fetch and submit there; the teacher releases,
# collects and returns feedback there.
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "mxnet-linreg"
c.Exchange.root = "/srv/nbgrader/exchange"
# Validate and autograde run the exercises' notebook; nbgrader stops a cell after 30 s by default,
# which a class validating at once on a few cores can exceed (the exercises' tests allow 300 s).
c.Execute.timeout = 300
