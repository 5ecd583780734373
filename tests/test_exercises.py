"""The exercises (06, the learners' copy) and their source with the answers (07, nbgrader's format).

- 06 is exactly what `nbgrader generate_assignment` makes from 07 (make exercises);
- 06 run as handed out passes no check, and raises nothing but nbgrader's NotImplementedError in the
  answer cells and the checks' own hint in the check cells;
- every check rejects the usual wrong answers, each with its hint, and accepts the worked answer and
  another correct answer written differently. 07 itself runs under nbval in make test.
The last two start a kernel and train: they run in make test-system.
"""

import re
import subprocess

import nbformat
import pytest
from conftest import EXERCISES, ROOT
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

ANSWERS = ROOT / "notebooks" / "07-answers.ipynb"
NBGRADER = ROOT / ".venv" / "bin" / "nbgrader"
HINT = "还没有找到"  # the checks' word for an exercise not answered yet


def grading(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_the_learners_copy_is_what_nbgrader_generates_from_the_answers(tmp_path):
    out = tmp_path / "06-exercises.ipynb"
    subprocess.run([str(ROOT / "classroom" / "exercises.sh"), str(NBGRADER), str(out)], check=True, timeout=120,
                   capture_output=True)
    assert out.read_bytes() == EXERCISES.read_bytes(), "notebooks/06-exercises.ipynb is stale: run make exercises"


def test_the_learners_copy_holds_no_answer_and_no_output():
    nb = nbformat.read(EXERCISES, as_version=4)
    answers = [cell for cell in nb.cells if grading(cell).get("solution")]
    checks = [cell for cell in nb.cells if grading(cell).get("grade")]
    assert len(answers) == len(checks) == 8
    assert all("BEGIN SOLUTION" not in cell.source and "raise NotImplementedError()" in cell.source for cell in answers)
    assert all(cell.get("outputs", []) == [] for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.system  # a kernel runs the whole notebook: make test-system
def test_the_learners_copy_as_handed_out_passes_no_check_and_raises_only_hints():
    nb = nbformat.read(EXERCISES, as_version=4)
    NotebookClient(nb, kernel_name="mxnet", timeout=300, allow_errors=True).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "✓" not in text, f"{grading(cell)['grade_id']} passed untouched"
        if grading(cell).get("solution"):
            assert [e.ename for e in errors] == ["NotImplementedError"], grading(cell)["grade_id"]
        elif grading(cell).get("grade"):
            assert [(e.ename, e.evalue[:len(HINT)]) for e in errors] == [("AssertionError", HINT)], grading(cell)["grade_id"]
        else:
            assert errors == [], f"{grading(cell)['grade_id']}: {errors}"


# For each exercise: the names its answer defines, then answers each with what its check must say:
# None for a pass, else a piece of the hint. The worked answer (07's own cell) is always tried too.
CASES = {
    "e1": (["diverged", "smallest_at_floor"], [
        ("diverged = {0.5, 0.1}\nsmallest_at_floor = 1e-3", None),
        ("diverged = nd.array([0.1, 0.5]).asnumpy()\nsmallest_at_floor = nd.array([0.001])", None),
        ("diverged = [0.5]\nsmallest_at_floor = 0.001", "学习率 0.1 也发散了"),
        ("diverged = []\nsmallest_at_floor = 0.001", "nan 与任何数比较都是 False"),
        ("diverged = [0.0001, 0.1, 0.5]\nsmallest_at_floor = 0.001", "0.0001 没有发散，只是慢"),
        ("diverged = [0.01, 0.1, 0.5]\nsmallest_at_floor = 0.001", "0.01 和 0.001 并不发散"),
        ("diverged = [0.1, 0.5]\nsmallest_at_floor = 0.0001", "0.0001 太小"),
        ("diverged = [0.1, 0.5]\nsmallest_at_floor = 0.01", "还有更小的学习率也到了"),
        ("diverged = 0.5\nsmallest_at_floor = 0.001", "应该是一个列表"),
    ]),
    "e2": (["floor_once", "losses_once"], [
        ("floor_once = nd.array([0.01]) ** 2\nlosses_once = nd.array(train(labels=y0)[0])", None),
        ("floor_once = 4e-4\nlosses_once = train(labels=y0)[0]", "噪声加了两次"),
        ("floor_once = 0.01\nlosses_once = train(labels=y0)[0]", "标准差 sigma"),
        ("floor_once = 2e-4\nlosses_once = train(labels=y0)[0]", "预测不对"),
        ("floor_once = 1e-4\nlosses_once = train()[0]", "标签是不是用成了 y"),
        ("floor_once = 1e-4\nlosses_once = [1e-4] * 5", "一路降下来"),
        ("floor_once = [1e-4, 1e-4]\nlosses_once = train(labels=y0)[0]", "应该是一个数"),
    ]),
    "e3": (["lr_mean"], [
        ("lr_mean = 0.001 * nd.array([10])", None),
        ("lr_mean = 0.001", "学习率不变就不相同"),
        ("lr_mean = 0.0001", "方向反了"),
        ("lr_mean = 0.1", "学习率要补上这个倍数"),
    ]),
    "e4": (["sgd_d2l", "lr_d2l"], [
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p -= lr / batch_size * p.grad\n"
         "lr_d2l = 0.001 * 10", None),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p = p - lr * p.grad / batch_size\n"
         "lr_d2l = 0.01", "参数没有变"),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p[:] = p - lr * p.grad\n"
         "lr_d2l = 0.01", "还要再除以 batch_size"),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p[:] = p - lr * p.grad / batch_size\n"
         "        return\nlr_d2l = 0.01", "要更新 params 里的每一个参数"),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p[:] = p - lr * p.grad / iter_batch_size\n"
         "lr_d2l = 0.01", "不要用 iter_batch_size"),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p[:] = p - lr * p.grad * batch_size\n"
         "lr_d2l = 0.01", "乘了 batch_size"),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p[:] = (p - lr * p.grad) / batch_size\n"
         "lr_d2l = 0.01", "先算出 learning_rate * param.grad / batch_size"),
        ("def sgd_d2l(params, lr, batch_size):\n    for p in params:\n        p[:] = p - lr * p.grad / batch_size\n"
         "lr_d2l = 0.001", "每一步只走课程的十分之一"),
    ]),
    "e5": (["losses_from_zero", "w_from_zero", "b_from_zero", "trains_from_zero"], [
        ("losses_from_zero, w_from_zero, b_from_zero = train(w_init=nd.zeros_like(w))\n"
         "trains_from_zero = np.abs(w_from_zero.asnumpy() - true_w.asnumpy()).max() < 0.01", None),
        ("losses_from_zero, w_from_zero, b_from_zero = [50.0] * 5, true_w, true_b\ntrains_from_zero = True", "一路下降"),
        ("losses_from_zero, w_from_zero, b_from_zero = train(w_init=nd.zeros((3, 1)), epochs=5)\n"
         "w_from_zero = nd.zeros((3, 1))\ntrains_from_zero = False", "还是全 0"),
        ("losses_from_zero, w_from_zero, b_from_zero = train(w_init=nd.zeros((3, 1)))\ntrains_from_zero = False", "能训练出来"),
        ("losses_from_zero, w_from_zero, b_from_zero = train(w_init=nd.zeros((3, 1)))\ntrains_from_zero = 'yes'", "True 或 False"),
        ("losses_from_zero, w_from_zero, b_from_zero = train(w_init=nd.zeros((3, 1)))\n"
         "trains_from_zero = (nd.abs(w_from_zero - true_w).max() < 0.01).asscalar()", None),
    ]),
    "e6": (["broadcast_shape", "w_flat"], [
        ("broadcast_shape = [10, 10]\ny = y.reshape((-1,))\n_, w_flat, _ = train(labels=y, loss_fn=lambda a, b: (a - b) ** 2)", None),
        ("broadcast_shape = (10, 1)\n_, w_flat, _ = train(labels=y.reshape((-1,)), loss_fn=lambda a, b: (a - b) ** 2)",
         "先把标签变成一维"),
        ("broadcast_shape = (10, 10)\n_, w_flat, _ = train()", "学到了真实参数"),
        ("broadcast_shape = (10, 10)\nw_flat = nd.zeros((3, 1))", "应该是训练出来的 w"),
    ]),
    "e7": (["theta_closed"], [
        ("X = nd.concat(x, nd.ones((num_batches, 1)), dim=1)\n"
         "L = nd.linalg.potrf(nd.linalg.syrk(X, transpose=True))\n"
         "theta_closed = nd.dot(nd.linalg.potri(L), nd.dot(X, y, transpose_a=True))", None),
        ("theta_closed = nd.dot(nd.linalg.inverse(nd.dot(x.T, x)), nd.dot(x.T, y))", "忘了在 x 后面拼一列 1"),
        ("X = nd.concat(nd.ones((num_batches, 1)), x, dim=1)\n"
         "theta_closed = nd.dot(nd.linalg.inverse(nd.dot(X.T, X)), nd.dot(X.T, y))", "你把 B 放在了前面"),
        ("X = nd.concat(x, nd.ones((num_batches, 1)), dim=1)\n"
         "theta_closed = nd.dot(nd.linalg.inverse(nd.dot(X.T, X)), nd.dot(X.T, y0))", "标签 y0 的闭式解"),
        ("_, w_sgd, b_sgd = train()\ntheta_closed = np.append(w_sgd.asnumpy(), b_sgd.asnumpy())", "SGD 训练出的参数也不算"),
    ]),
    "e8": (["batch_sizes", "divisor"], [
        ("batch_sizes = [10] * 100 + [5]\ndivisor = 1005.0", None),
        ("batch_sizes = [len(label) for data, label in data_iter()]\ndivisor = 1005", "用的是 data_iter_1005() 吗"),
        ("batch_sizes = [10] * 100 + [5]\ndivisor = num_batches", "本笔记本里它仍是 1000"),
        ("batch_sizes = [10] * 101\ndivisor = 1005", "100 个 10 和最后一个 5"),
        ("batch_sizes = [label.shape for data, label in data_iter_1005()]\ndivisor = 1005", "100 个 10 和最后一个 5"),
    ]),
}


class Kernel:
    """The project's kernel, running 07's setup once; run() returns None or the error's (name, value)."""

    def __init__(self):
        self.manager, self.client = start_new_kernel(kernel_name="mxnet")

    def run(self, code: str):
        reply = self.client.execute_interactive(code, timeout=300, output_hook=lambda message: None)
        content = reply["content"]
        return None if content["status"] == "ok" else (content["ename"], content["evalue"])

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel():
    nb = nbformat.read(ANSWERS, as_version=4)
    running = Kernel()
    for cell in nb.cells:
        if cell.cell_type == "code" and not grading(cell).get("solution") and not grading(cell).get("grade"):
            assert running.run(cell.source) is None, grading(cell)["grade_id"]
    yield running, {grading(c)["grade_id"]: c.source for c in nb.cells if c.cell_type == "code"}
    running.close()


@pytest.mark.system  # a kernel trains a dozen times: make test-system
@pytest.mark.parametrize("exercise", CASES)
def test_each_check_accepts_right_answers_and_names_the_mistake_in_wrong_ones(kernel, exercise):
    running, sources = kernel
    names, cases = CASES[exercise]
    worked = sources[f"{exercise}-answer"]
    assert sum(hint is None for _, hint in cases) >= 1 and sum(hint is not None for _, hint in cases) >= 2
    for code, hint in [(worked, None), ("", HINT), *cases]:
        assert running.run("".join(f"globals().pop({name!r}, None)\n" for name in names) + "y = _y.copy()") is None
        assert running.run(code) is None, f"{exercise}: the answer itself failed:\n{code}"
        outcome = running.run(sources[f"{exercise}-check"])
        if hint is None:
            assert outcome is None, f"{exercise}: a right answer was refused: {outcome}\n{code}"
        else:
            assert outcome is not None and outcome[0] == "AssertionError", f"{exercise}: {outcome}\n{code}"
            assert hint in outcome[1] and re.search(r"[\u4e00-\u9fff]", outcome[1]), f"{exercise}: {outcome}\n{code}"
