"""In-place ops and index assignment, the lecture's way (``dlogits[range(n), Yb] -= 1``),
checked against values worked out with numpy and, where installed, against PyTorch; the
errors on tensors that require grad; and ``.grad`` as a Tensor."""

import numpy as np
import pytest

import minigrad as mg
from helpers import requires_torch, torch

LIBS = [mg] + ([torch] if torch is not None else [])


def start(lib):
    return lib.tensor(np.arange(12.0).reshape(4, 3), dtype=lib.float64)


def as_numpy_index(index):
    """The same index for numpy: ranges and tensors as arrays."""
    def part(p):
        if isinstance(p, range):
            return np.arange(p.start, p.stop, p.step)
        return p.numpy() if hasattr(p, "numpy") else p
    return tuple(part(p) for p in index) if isinstance(index, tuple) else part(index)


# (id, index(lib), value(lib)): every index form __getitem__ takes, scalar and tensor values
SET_CASES = [
    ("int", lambda lib: 1, lambda lib: 7.0),
    ("negative int", lambda lib: -1, lambda lib: lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)),
    ("slice", lambda lib: slice(1, 3), lambda lib: -1.0),
    ("int and slice", lambda lib: (0, slice(1, None)), lambda lib: lib.tensor([5.0, 6.0], dtype=lib.float64)),
    ("broadcast row", lambda lib: slice(None), lambda lib: lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)),
    ("ellipsis", lambda lib: (Ellipsis, 2), lambda lib: 0.5),
    ("int array", lambda lib: np.array([3, 0]), lambda lib: 9.0),
    ("int tensor", lambda lib: lib.tensor([2, 1]), lambda lib: lib.tensor([[1.0], [2.0]], dtype=lib.float64)),
    ("list", lambda lib: [0, 2], lambda lib: 4.0),
    ("range", lambda lib: range(0, 4, 2), lambda lib: 8.0),
    ("bool mask", lambda lib: lib.tensor([True, False, True, False]), lambda lib: -2.0),
    ("range and tensor pair", lambda lib: (range(4), lib.tensor([0, 2, 1, 0])), lambda lib: -0.25),
    ("pair with values", lambda lib: (range(4), lib.tensor([0, 2, 1, 0])),
     lambda lib: lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)),
    ("0-d tensor index", lambda lib: lib.tensor(2), lambda lib: 3.0),
]


def assign(lib, index, value):
    x = start(lib)
    x[index(lib)] = value(lib)
    return x.numpy()


@pytest.mark.parametrize("index, value", [case[1:] for case in SET_CASES], ids=[case[0] for case in SET_CASES])
def test_index_assignment_puts_the_values_where_numpy_does(index, value):
    expected = np.arange(12.0).reshape(4, 3)
    raw = value(mg)
    expected[as_numpy_index(index(mg))] = raw.numpy() if isinstance(raw, mg.Tensor) else raw
    np.testing.assert_array_equal(assign(mg, index, value), expected)


@requires_torch
@pytest.mark.parametrize("index, value", [case[1:] for case in SET_CASES], ids=[case[0] for case in SET_CASES])
def test_index_assignment_agrees_with_torch(index, value):
    np.testing.assert_array_equal(assign(mg, index, value), assign(torch, index, value))


def augmented_repeated(lib):
    """``x[i] += v`` with a repeated index: Python reads x[i], adds, writes back; no accumulation."""
    x = start(lib)
    x[lib.tensor([0, 0, 2])] += lib.tensor([[1.0], [10.0], [100.0]], dtype=lib.float64)
    x[range(4), lib.tensor([1, 1, 0, 2])] -= 1
    return x.numpy()


def test_augmented_index_assignment_with_repeated_indices_does_not_accumulate():
    expected = np.arange(12.0).reshape(4, 3)
    rows = np.array([0, 0, 2])
    expected[rows] = expected[rows] + np.array([[1.0], [10.0], [100.0]])
    expected[np.arange(4), [1, 1, 0, 2]] -= 1
    np.testing.assert_array_equal(augmented_repeated(mg), expected)
    assert augmented_repeated(mg)[0, 0] == 10.0  # the last write of row 0 wins, not 0 + 1 + 10


@requires_torch
def test_augmented_index_assignment_agrees_with_torch():
    np.testing.assert_array_equal(augmented_repeated(mg), augmented_repeated(torch))


def the_lecture_idioms(lib):
    n = 4
    Yb = lib.tensor([0, 2, 1, 2])
    logprobs = lib.zeros(n, 3)
    dlogprobs = lib.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dlogits = lib.ones(n, 3)
    dlogits[range(n), Yb] -= 1
    dC = lib.zeros(5, 2)
    demb = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
    ix = lib.tensor([[1, 3], [1, 4]])
    for k in range(2):
        for j in range(2):
            dC[ix[k, j]] += demb[k]
    return [t.numpy() for t in (dlogprobs, dlogits, dC)]


def test_the_backprop_exercises_index_assignments():
    dlogprobs, dlogits, dC = the_lecture_idioms(mg)
    np.testing.assert_array_equal(dlogprobs, [[-0.25, 0, 0], [0, 0, -0.25], [0, -0.25, 0], [0, 0, -0.25]])
    np.testing.assert_array_equal(dlogits, [[0, 1, 1], [1, 1, 0], [1, 0, 1], [1, 1, 0]])
    np.testing.assert_array_equal(dC, [[0, 0], [4, 6], [0, 0], [1, 2], [3, 4]])


@requires_torch
def test_the_backprop_exercises_agree_with_torch():
    for mine, theirs in zip(the_lecture_idioms(mg), the_lecture_idioms(torch)):
        np.testing.assert_array_equal(mine, theirs)


# (id, f(lib, x) -> x changed in place)
UPDATES = [
    ("+= scalar", lambda lib, x: x.__iadd__(2)),
    ("-= row", lambda lib, x: x.__isub__(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))),
    ("*= column", lambda lib, x: x.__imul__(lib.tensor([[2.0], [3.0], [4.0], [5.0]], dtype=lib.float64))),
    ("/= scalar", lambda lib, x: x.__itruediv__(4)),
    ("add_ alpha", lambda lib, x: x.add_(lib.ones(3, dtype=lib.float64), alpha=-0.5)),
    ("sub_ alpha", lambda lib, x: x.sub_(2.0, alpha=3)),
    ("mul_", lambda lib, x: x.mul_(-1.5)),
    ("div_ tensor", lambda lib, x: x.div_(lib.tensor([1.0, 2.0, 4.0], dtype=lib.float64))),
    ("zero_", lambda lib, x: x.zero_()),
    ("fill_", lambda lib, x: x.fill_(3.25)),
    ("copy_ broadcast", lambda lib, x: x.copy_(lib.tensor([7.0, 8.0, 9.0]))),
    ("copy_ from ints", lambda lib, x: x.copy_(lib.arange(12).view(4, 3))),
    ("clamp_", lambda lib, x: x.clamp_(2.0, 9.5)),
    ("clamp_ min only", lambda lib, x: x.clamp_(min=4)),
]
EXPECTED = {
    "+= scalar": np.arange(12.0).reshape(4, 3) + 2,
    "-= row": np.arange(12.0).reshape(4, 3) - [1, 2, 3],
    "*= column": np.arange(12.0).reshape(4, 3) * [[2], [3], [4], [5]],
    "/= scalar": np.arange(12.0).reshape(4, 3) / 4,
    "add_ alpha": np.arange(12.0).reshape(4, 3) - 0.5,
    "sub_ alpha": np.arange(12.0).reshape(4, 3) - 6,
    "mul_": np.arange(12.0).reshape(4, 3) * -1.5,
    "div_ tensor": np.arange(12.0).reshape(4, 3) / [1, 2, 4],
    "zero_": np.zeros((4, 3)),
    "fill_": np.full((4, 3), 3.25),
    "copy_ broadcast": np.tile([7.0, 8.0, 9.0], (4, 1)),
    "copy_ from ints": np.arange(12.0).reshape(4, 3),
    "clamp_": np.clip(np.arange(12.0).reshape(4, 3), 2, 9.5),
    "clamp_ min only": np.maximum(np.arange(12.0).reshape(4, 3), 4),
}


def updated(lib, update):
    x = start(lib)
    returned = update(lib, x)
    assert returned is x and x.dtype == lib.float64
    return x.numpy()


@pytest.mark.parametrize("name, update", UPDATES, ids=[u[0] for u in UPDATES])
def test_in_place_updates(name, update):
    np.testing.assert_allclose(updated(mg, update), EXPECTED[name], rtol=1e-15)


@requires_torch
@pytest.mark.parametrize("name, update", UPDATES, ids=[u[0] for u in UPDATES])
def test_in_place_updates_agree_with_torch(name, update):
    np.testing.assert_allclose(updated(mg, update), updated(torch, update), rtol=1e-15)


def test_augmented_assignment_keeps_the_tensor_and_its_dtype():
    x = mg.zeros(3)
    same = x
    x += 1.5
    x *= mg.tensor([2.0, 2.0, 2.0], dtype=mg.float64)  # float64 into float32: same kind, kept float32
    assert x is same and x.dtype == mg.float32
    np.testing.assert_array_equal(x.numpy(), [3.0, 3.0, 3.0])


@pytest.mark.parametrize("update, message", [
    (lambda x: x.__iadd__(1.5), "result type Float can't be cast to the desired output type Long"),
    (lambda x: x.__itruediv__(2), "result type Float can't be cast to the desired output type Long"),
    (lambda x: x.mul_(mg.tensor(2.5, dtype=mg.float64)), "result type Double can't be cast to the desired output type Long"),
    (lambda x: x.clamp_(0.5, 2.5), "result type Float can't be cast to the desired output type Long"),
    (lambda x: x.add_(1, alpha=2.5), "alpha must not be a floating point number"),
])
def test_a_floating_result_cannot_go_into_an_integer_tensor(update, message):
    x = mg.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match=message):
        update(x)
    np.testing.assert_array_equal(x.numpy(), [1, 2, 3])


def test_bad_in_place_arguments_are_clear_errors():
    with pytest.raises(RuntimeError, match=r"output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)"):
        mg.zeros(3).add_(mg.ones(2, 3))
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        mg.zeros(3, dtype=mg.bool_).add_(1)
    with pytest.raises(RuntimeError, match="at least one of 'min' or 'max'"):
        mg.zeros(3).clamp_()
    with pytest.raises(IndexError, match=r"index assignment: .*tensor shape \(3,\)"):
        mg.zeros(3)[5] = 1.0
    with pytest.raises(TypeError, match="only floating-point tensors"):
        mg.zeros(3, dtype=mg.int64).normal_()


# ----- tensors that require grad -----

def test_a_leaf_that_requires_grad_refuses_in_place_ops_as_in_pytorch():
    w = mg.ones(3, requires_grad=True)
    leaf_message = "a leaf Variable that requires grad is being used in an in-place operation."
    for update in (lambda: w.__iadd__(1), lambda: w.zero_(), lambda: w.__setitem__(0, 2.0),
                   lambda: w.normal_(), lambda: w.copy_(mg.zeros(3))):
        with pytest.raises(RuntimeError, match=leaf_message):
            update()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        w[0:2] += 1
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad"):
        w[[0, 1]] += 1
    np.testing.assert_array_equal(w.numpy(), [1.0, 1.0, 1.0])


def recorded_in_place(lib):
    """In-place arithmetic and index assignment on op outputs, as the lectures write them."""
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y += 1                        # part 3's self.out += self.bias
    y *= x
    z = x * 3
    z[0] = 5.0
    z[1:] -= x[:2]                # part 4's dlogits[range(n), Yb] -= 1
    z /= 2
    (y + z * z).sum().backward()
    return y, z, x.grad


def test_in_place_ops_on_an_op_output_are_recorded_as_pytorch_records_them():
    y, z, grad = recorded_in_place(mg)
    assert (y.op, z.op) == ("mul", "div")
    np.testing.assert_allclose(y.numpy(), [3.0, 10.0, 21.0])
    np.testing.assert_allclose(z.numpy(), [2.5, 2.5, 3.5])
    np.testing.assert_allclose(grad.numpy(), [2.5, 13.0, 23.5])  # what torch 2.13 gives


@requires_torch
def test_recorded_in_place_ops_agree_with_torch():
    for mine, theirs in zip(recorded_in_place(mg), recorded_in_place(torch)):
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_add_and_sub_with_alpha_send_the_other_tensor_its_gradient():
    x, b = mg.tensor([1.0, 2.0], requires_grad=True), mg.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.sub_(b, alpha=2)
    y.add_(b, alpha=0.5)
    y.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [-1.5, -1.5])  # -2 + 0.5, as torch gives


def test_an_op_that_used_the_value_before_an_in_place_change_refuses_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    used_before = y * 3
    y *= 5
    with pytest.raises(RuntimeError, match=r"mul used the mul tensor of shape \(2,\) before an in-place mul"):
        used_before.sum().backward()
    y.sum().backward()  # the new value's own history is whole
    np.testing.assert_allclose(x.grad.numpy(), [10.0, 10.0])


def test_what_minigrad_does_not_record_on_an_op_output_says_how_to_write_it():
    y = mg.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"fill_: .*made by mul.*out of place: y = torch.full_like"):
        y.fill_(0.0)


def test_inside_no_grad_leaves_change_in_place_as_in_the_lecture():
    w = mg.ones(2, 3, requires_grad=True)
    with mg.no_grad():
        w *= 5 / 3
        w[0] = 0.0
    np.testing.assert_allclose(w.numpy(), [[0, 0, 0], [5 / 3] * 3], rtol=1e-6)
    assert w.requires_grad and w.is_leaf


def test_the_lecture_update_through_data_equals_sgd():
    mine = [mg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True) for _ in range(2)]
    for p in mine:
        (p * p * p).sum().backward()
    lr = 0.1
    mine[0].data += -lr * mine[0].grad  # the lecture's update
    mg.optim.SGD([mine[1]], lr=lr).step()
    np.testing.assert_array_equal(mine[0].numpy(), mine[1].numpy())


@requires_torch
def test_random_fills_give_torch_numbers_for_a_seeded_generator():
    mine = mg.zeros(5, 7).normal_(1.0, 0.5, generator=mg.Generator().manual_seed(42))
    theirs = torch.zeros(5, 7).normal_(1.0, 0.5, generator=torch.Generator().manual_seed(42))
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    mine = mg.zeros(20).uniform_(-2, 3, generator=mg.Generator().manual_seed(7))
    theirs = torch.zeros(20).uniform_(-2, 3, generator=torch.Generator().manual_seed(7))
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


def test_random_fills_take_a_numpy_generator_and_keep_the_range():
    values = mg.zeros(1000, dtype=mg.float64).uniform_(2.0, 3.0, generator=np.random.default_rng(0)).numpy()
    assert values.min() >= 2.0 and values.max() < 3.0
    normal = mg.zeros(4000).normal_(5.0, 0.1, generator=np.random.default_rng(0)).numpy()
    assert abs(normal.mean() - 5.0) < 0.01 and abs(normal.std() - 0.1) < 0.01


# ----- .grad is a Tensor -----

def test_grad_is_a_tensor_of_the_parameters_shape_and_dtype_and_the_same_object_each_time():
    p = mg.tensor([[1.0, 2.0, 3.0]], dtype=mg.float64, requires_grad=True)
    assert p.grad is None
    (p * p).sum().backward()
    assert isinstance(p.grad, mg.Tensor) and p.grad.shape == (1, 3) and p.grad.dtype == mg.float64
    assert p.grad is p.grad and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad.numpy(), [[2.0, 4.0, 6.0]])
    assert p.grad.std().item() == pytest.approx(2.0)  # unbiased, as torch's
    grad = p.grad
    grad.zero_()
    np.testing.assert_array_equal(p.grad.numpy(), [[0.0, 0.0, 0.0]])
    (p * p).sum().backward()
    assert p.grad is grad  # backward adds into the same tensor
    p.grad = None
    assert p.grad is None


def test_assigning_grad_takes_a_tensor_of_the_right_shape():
    p = mg.zeros(2, 3, requires_grad=True)
    g = mg.ones(2, 3)
    p.grad = g
    assert p.grad is g
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(3,\) cannot be set on a tensor of shape \(2, 3\)"):
        p.grad = mg.ones(3)


def test_zero_grad_without_set_to_none_zeroes_the_same_tensors():
    model = mg.nn.Linear(3, 2)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    model(mg.ones(4, 3)).sum().backward()
    grads = [p.grad for p in model.parameters()]
    optimizer.zero_grad(set_to_none=False)
    model.zero_grad(set_to_none=False)
    for p, grad in zip(model.parameters(), grads):
        assert p.grad is grad and not grad.numpy().any()


@requires_torch
def test_grad_std_agrees_with_torch():
    values = np.random.default_rng(0).standard_normal((5, 4))
    mine, theirs = mg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (mine * mine).tanh().sum().backward()
    (theirs * theirs).tanh().sum().backward()
    assert mine.grad.std().item() == pytest.approx(theirs.grad.std().item(), rel=1e-12)
