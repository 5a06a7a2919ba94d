"""Every op's forward and gradients: finite differences, and PyTorch where installed.

One line per case; ``check_op`` (helpers.py) does the checking.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg
from helpers import case, check_op, functional, nonzero, normal, positive, variants
from layouts import CONTIGUOUS, LAYOUTS

inf, nan = np.inf, np.nan

ELEMENTWISE = [
    case("add", lambda lib, a, b: a + b, (3, 4), (3, 4)),
    case("sub", lambda lib, a, b: a - b, (3, 4), (3, 4)),
    case("mul", lambda lib, a, b: a * b, (3, 4), (3, 4)),
    case("div", lambda lib, a, b: a / b, (3, 4), nonzero((3, 4))),
    case("add method", lambda lib, a, b: a.add(b).sub(a).mul(b).div(b), (2, 3), nonzero((2, 3))),
    case("pow 2", lambda lib, x: x ** 2, (3, 4)),
    case("pow 3", lambda lib, x: x ** 3, (3, 4)),
    case("pow -1", lambda lib, x: x ** -1, nonzero((3, 4))),
    case("pow -0.5", lambda lib, x: x ** -0.5, positive((3, 4))),
    case("pow -2", lambda lib, x: x ** -2, nonzero((3, 4))),
    case("topk", lambda lib, x: lib.topk(x, 2, dim=1).values, (3, 5)),
    case("topk smallest unsorted", lambda lib, x: x.topk(3, dim=0, largest=False, sorted=False).values, (4, 3)),
    case("pow 3.0 function", lambda lib, x: lib.pow(x, 3.0), (3, 4)),
    case("pow 0.5", lambda lib, x: x ** 0.5, positive((3, 4))),
    case("pow method", lambda lib, x: x.pow(1.5), positive((3, 4))),
    case("pow function", lambda lib, x: lib.pow(x, 2), (3, 4)),
    case("tensor pow tensor", lambda lib, a, b: a ** b, positive((3, 4)), (3, 4)),
    case("scalar pow tensor", lambda lib, x: 2.5 ** x, (3, 4)),
    case("neg", lambda lib, x: -x, (3, 4)),
    case("exp", lambda lib, x: lib.exp(x), (3, 4)),
    case("exp method", lambda lib, x: x.exp(), (3, 4)),
    case("log", lambda lib, x: lib.log(x), positive((3, 4))),
    case("tanh", lambda lib, x: lib.tanh(x), (3, 4)),
    case("tanh of a 0-d tensor", lambda lib, x: lib.tanh(x), ()),
    case("sigmoid", lambda lib, x: lib.sigmoid(x), (3, 4)),
    case("sigmoid far from zero", lambda lib, x: x.sigmoid(), np.array([-800.0, -30.0, -0.5, 0.5, 30.0, 800.0])),
    case("relu", lambda lib, x: lib.relu(x), (3, 4)),
    case("sqrt", lambda lib, x: lib.sqrt(x), positive((3, 4))),
    case("abs", lambda lib, x: lib.abs(x), (3, 4)),
    case("abs operator", lambda lib, x: abs(x), (3, 4)),
    case("clone", lambda lib, x: x.clone() * x, (3, 4)),
]

SCALARS = [
    case("scalar - x", lambda lib, x: 2 - x, (3, 4)),
    case("x - scalar", lambda lib, x: x - 1.5, (3, 4)),
    case("scalar + x", lambda lib, x: 3 + x, (3, 4)),
    case("scalar / x", lambda lib, x: 1 / x, nonzero((3, 4))),
    case("x / scalar", lambda lib, x: x / 4, (3, 4)),
    case("x * scalar", lambda lib, x: x * 3, (3, 4)),
    case("scalar * x", lambda lib, x: 0.5 * x, (3, 4)),
    case("numpy scalar", lambda lib, x: np.float64(2.0) * x - np.int64(1), (3, 4)),
]

BROADCAST = [
    case("(3,4) + (4,)", lambda lib, a, b: a + b, (3, 4), (4,)),
    case("(3,1) * (1,4)", lambda lib, a, b: a * b, (3, 1), (1, 4)),
    case("() * (2,3)", lambda lib, a, b: a * b, (), (2, 3)),
    case("(2,3) - ()", lambda lib, a, b: a - b, (2, 3), ()),
    case("(2,3,4) + (3,1)", lambda lib, a, b: a + b, (2, 3, 4), (3, 1)),
    case("(4,) - (3,1)", lambda lib, a, b: a - b, (4,), (3, 1)),
    case("(2,1,4) / (3,1)", lambda lib, a, b: a / b, (2, 1, 4), nonzero((3, 1))),
    case("(5,1,1) * (1,3,2)", lambda lib, a, b: a * b, (5, 1, 1), (1, 3, 2)),
    case("(1,3) ** (2,1)", lambda lib, a, b: a ** b, positive((1, 3)), (2, 1)),
]

MATMUL = [
    case("2-D @ 2-D", lambda lib, a, b: a @ b, (3, 4), (4, 5)),
    case("2-D @ 1-D", lambda lib, a, b: a @ b, (3, 4), (4,)),
    case("1-D @ 2-D", lambda lib, a, b: a @ b, (4,), (4, 5)),
    case("1-D @ 1-D", lambda lib, a, b: a @ b, (4,), (4,)),
    case("batched @ batched", lambda lib, a, b: a @ b, (2, 3, 4), (2, 4, 5)),
    case("broadcast batch (1,3,4) @ (5,4,2)", lambda lib, a, b: a @ b, (1, 3, 4), (5, 4, 2)),
    case("batched @ 2-D", lambda lib, a, b: a @ b, (2, 3, 4), (4, 5)),
    case("2-D @ batched", lambda lib, a, b: a @ b, (3, 4), (2, 4, 5)),
    case("4-D broadcast batch", lambda lib, a, b: a @ b, (2, 1, 3, 4), (5, 4, 2)),
    case("batched @ 1-D", lambda lib, a, b: a @ b, (2, 3, 4), (4,)),
    case("1-D @ batched", lambda lib, a, b: a @ b, (4,), (2, 4, 5)),
    case("matmul method", lambda lib, a, b: a.matmul(b), (3, 4), (4, 2)),
    case("matmul function", lambda lib, a, b: lib.matmul(a, b), (3, 4), (4, 2)),
]

REDUCTIONS = [
    case("sum", lambda lib, x: x.sum(), (3, 4)),
    case("sum dim 0", lambda lib, x: x.sum(0), (3, 4)),
    case("sum dim -1", lambda lib, x: x.sum(-1), (2, 3, 4)),
    case("sum dim tuple", lambda lib, x: x.sum((0, 2)), (2, 3, 4)),
    case("sum keepdim", lambda lib, x: x.sum(1, keepdim=True), (2, 3, 4)),
    case("sum keepdims alias", lambda lib, x: x.sum(1, keepdims=True), (2, 3, 4)),
    case("sum tuple keepdim", lambda lib, x: x.sum(dim=(0, -1), keepdim=True), (2, 3, 4)),
    case("sum of 0-d", lambda lib, x: x.sum(), ()),
    case("sum function", lambda lib, x: lib.sum(x, 1), (3, 4)),
    case("mean", lambda lib, x: x.mean(), (3, 4)),
    case("mean dim 0", lambda lib, x: x.mean(0), (3, 4)),
    case("mean dim -1 keepdim", lambda lib, x: x.mean(-1, keepdim=True), (2, 3, 4)),
    case("mean dim tuple", lambda lib, x: x.mean((0, 1)), (2, 3, 4)),
    case("mean keepdims alias", lambda lib, x: x.mean(0, keepdims=True), (3, 4)),
    case("var", lambda lib, x: x.var(), (3, 4)),
    case("var dim 0", lambda lib, x: x.var(0), (3, 4)),
    case("var dim -1 keepdim", lambda lib, x: x.var(-1, keepdim=True), (2, 3, 4)),
    case("var dim tuple", lambda lib, x: x.var((0, 2)), (2, 3, 4)),
    case("var unbiased=False", lambda lib, x: x.var(0, unbiased=False), (3, 4)),
    case("var correction=0", lambda lib, x: x.var(dim=1, correction=0, keepdim=True), (3, 4)),
    case("var correction=0 all", lambda lib, x: x.var(correction=0), (3, 4)),
    case("std", lambda lib, x: x.std(0), (3, 4)),
    case("max", lambda lib, x: x.max(), (3, 4)),
    case("max function", lambda lib, x: lib.max(x), (3, 4)),
    case("max dim values", lambda lib, x: x.max(1).values, (3, 4)),
    case("max dim indices", lambda lib, x: x.max(1).indices, (3, 4)),
    case("max dim -1 keepdim values", lambda lib, x: x.max(-1, keepdim=True).values, (2, 3, 4)),
    case("max dim keepdim indices", lambda lib, x: x.max(0, keepdim=True).indices, (2, 3, 4)),
    case("max dim unpacked", lambda lib, x: x.max(dim=0)[0], (3, 4)),
    case("min", lambda lib, x: x.min(), (3, 4)),
    case("min dim values", lambda lib, x: x.min(0).values, (3, 4)),
    case("min dim indices", lambda lib, x: x.min(-1).indices, (2, 3, 4)),
    case("argmax", lambda lib, x: x.argmax(1), (3, 4)),
    case("argmin", lambda lib, x: x.argmin(), (3, 4)),
    case("logsumexp", lambda lib, x: x.logsumexp(1), (3, 4)),
    case("logsumexp keepdim", lambda lib, x: x.logsumexp(0, keepdim=True), (3, 4)),
    case("logsumexp dim tuple", lambda lib, x: lib.logsumexp(x, (0, 2)), (2, 3, 4)),
    case("logsumexp large", lambda lib, x: x.logsumexp(-1), np.array([[1000.0, 1001.0], [-1000.0, -1002.0]])),
]

# Ties: max is not differentiable there, so torch's convention is the reference:
# over the whole tensor the gradient is split evenly, with dim it goes to one index.
TIES = [
    case("max ties split evenly", lambda lib, x: x.max(), np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]]), finite_differences=False),
    case("min ties split evenly", lambda lib, x: x.min(), np.array([[1.0, 3.0, 1.0], [2.0, 2.0, 1.0]]), finite_differences=False),
    case("max dim ties values", lambda lib, x: x.max(1).values, np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]]), finite_differences=False),
    case("max dim ties indices", lambda lib, x: x.max(1).indices, np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])),
    case("min dim ties", lambda lib, x: x.min(0).values, np.array([[1.0, 3.0], [1.0, 3.0]]), finite_differences=False),
]

SHAPES = [
    case("view -1", lambda lib, x: x.view(-1), (3, 4)),
    case("view ints", lambda lib, x: x.view(4, 3) * x.view(4, 3), (3, 4)),
    case("view tuple with -1", lambda lib, x: x.view((2, -1, 2)), (3, 4)),
    case("reshape", lambda lib, x: x.reshape(6, 2), (3, 4)),
    case("reshape function", lambda lib, x: lib.reshape(x, (-1,)), (3, 4)),
    case("transpose", lambda lib, x: x.transpose(0, 1), (3, 4)),
    case("t", lambda lib, x: x.t(), (3, 4)),
    case("t of a vector", lambda lib, x: x.t(), (3,)),
    case("transpose negative dims", lambda lib, x: x.transpose(-1, 0), (2, 3, 4)),
    case("permute", lambda lib, x: x.permute(2, 0, 1), (2, 3, 4)),
    case("permute tuple", lambda lib, x: x.permute((1, 2, 0)), (2, 3, 4)),
    case("unsqueeze 0", lambda lib, x: x.unsqueeze(0), (3, 4)),
    case("unsqueeze -1", lambda lib, x: x.unsqueeze(-1), (3, 4)),
    case("squeeze", lambda lib, x: x.squeeze(), (3, 1, 4, 1)),
    case("squeeze dim", lambda lib, x: x.squeeze(1), (3, 1, 4, 1)),
    case("squeeze dim of size > 1", lambda lib, x: x.squeeze(0), (3, 1)),
    case("flatten", lambda lib, x: x.flatten(), (2, 3, 4)),
    case("flatten start_dim", lambda lib, x: x.flatten(1), (2, 3, 4)),
    case("flatten 0-d", lambda lib, x: x.flatten(), ()),
    case(".T", lambda lib, x: x.T, (3, 4)),
    case(".T in matmul", lambda lib, x: x @ x.T, (3, 4)),
]

INDEXING = [
    case("int", lambda lib, x: x[1], (3, 4)),
    case("negative int", lambda lib, x: x[-1], (3, 4)),
    case("two ints", lambda lib, x: x[1, 2], (3, 4)),
    case("slice", lambda lib, x: x[1:3], (4, 3)),
    case("slice with step", lambda lib, x: x[::2, 1:], (5, 3)),
    case("column", lambda lib, x: x[:, 1], (3, 4)),
    case("None", lambda lib, x: x[None], (3, 4)),
    case("Ellipsis", lambda lib, x: x[..., 0], (2, 3, 4)),
    case("list", lambda lib, x: x[[0, 2]], (3, 4)),
    case("repeated list", lambda lib, x: x[[0, 2, 2, 0, 2]], (3, 4)),
    case("range", lambda lib, x: x[range(0, 3, 2)], (3, 4)),
    case("int ndarray", lambda lib, x: x[np.array([2, 0, 2])], (3, 4)),
    case("int tensor", lambda lib, x: x[lib.tensor([1, 1, 0])], (3, 4)),
    case("int 2-D index", lambda lib, x, idx: x[idx], (5, 4), np.array([[0, 4, 4], [1, 0, 4]])),
    case("bool mask", lambda lib, x: x[x > 0], (3, 4)),
    case("bool ndarray rows", lambda lib, x: x[np.array([True, False, True])], (3, 4)),
    case("range and list pairs", lambda lib, x: x[range(3), [1, 1, 3]], (3, 4)),
    case("pairs with repeats", lambda lib, x: x[[0, 0, 2, 0], [1, 1, 0, 1]], (3, 4)),
    case("slice and list", lambda lib, x: x[1:, [0, 2, 0]], (3, 4)),
    case("None, Ellipsis and int", lambda lib, x: x[None, ..., 1], (2, 3, 4)),
    case("None, slice, Ellipsis, list", lambda lib, x: x[None, 1:, ..., [0, 2]], (3, 4)),
    case("int and slice", lambda lib, x: x[1, :, 1:3], (2, 3, 4)),
    # the lecture's embedding lookup: rows of C picked several times accumulate
    case("C[Xb] repeated rows", lambda lib, C, Xb: C[Xb], (5, 3), np.array([[0, 1, 1], [4, 1, 0], [1, 1, 1], [0, 0, 4]])),
    case("negative rows", lambda lib, x: x[np.array([-1, 0, -3, -1])], (3, 4)),
    case("rows of a 3-D table", lambda lib, x: x[np.array([[1, 0], [1, 1]])], (2, 3, 2)),
    case("elements of a 1-D table", lambda lib, x: x[np.array([2, 2, 0])], (3,)),
    # 300 rows x 60 picked (repeats, negatives): past the one-hot product's size, so np.add.at
    case("rows of a large table", lambda lib, x: x[np.arange(-30, 30) * 7 % 40 - 2], (300, 2)),
]

JOINS = [
    case("cat dim 0", lambda lib, a, b: lib.cat([a, b]), (2, 3), (4, 3)),
    case("cat dim 1 of three", lambda lib, a, b, c: lib.cat([a, b, c], dim=1), (2, 3), (2, 1), (2, 2)),
    case("cat dim -1", lambda lib, a, b: lib.cat((a, b), dim=-1), (2, 3, 1), (2, 3, 2)),
    case("cat the same tensor", lambda lib, a: lib.cat([a, a * 2, a], 0), (2, 3)),
    case("stack dim 0", lambda lib, a, b: lib.stack([a, b]), (2, 3), (2, 3)),
    case("stack dim 1", lambda lib, a, b, c: lib.stack([a, b, c], dim=1), (2, 3), (2, 3), (2, 3)),
    case("stack dim -1", lambda lib, a, b: lib.stack([a, b], dim=-1), (2, 3), (2, 3)),
]

FUNCTIONAL = [
    case("softmax dim 1", lambda lib, x: functional(lib).softmax(x, dim=1), (3, 5)),
    case("softmax dim 0", lambda lib, x: functional(lib).softmax(x, dim=0), (3, 5)),
    case("softmax dim -1 of 3-D", lambda lib, x: functional(lib).softmax(x, dim=-1), (2, 3, 4)),
    case("softmax large logits", lambda lib, x: functional(lib).softmax(x, dim=1), np.array([[1000.0, 999.0, -1000.0]])),
    case("softmax of rows 100 apart", lambda lib, x: functional(lib).softmax(x, dim=1), np.array([[0.0, 1.0, 2.5], [-100.0, -99.0, -98.5]])),
    case("softmax unshifted near ±64", lambda lib, x: functional(lib).softmax(x, dim=1), np.array([[63.0, 62.5, -63.0], [-63.5, -64.0, -62.0]])),
    case("log_softmax dim 1", lambda lib, x: functional(lib).log_softmax(x, dim=1), (3, 5)),
    case("log_softmax dim 0", lambda lib, x: functional(lib).log_softmax(x, dim=0), (3, 5)),
    case("cross_entropy 2-D", lambda lib, x, t: functional(lib).cross_entropy(x, t), (4, 5), np.array([1, 0, 4, 1])),
    case("cross_entropy 1-D", lambda lib, x, t: functional(lib).cross_entropy(x, t), (5,), np.array(3)),
    case("cross_entropy large logits", lambda lib, x, t: functional(lib).cross_entropy(x, t), np.array([[1000.0, -1000.0], [0.0, 500.0]]), np.array([1, 0])),
    case("one_hot", lambda lib, t: functional(lib).one_hot(t, 5), np.array([0, 3, 3, 1])),
    case("one_hot inferred classes", lambda lib, t: functional(lib).one_hot(t), np.array([[0, 2], [1, 2]])),
    case("times one_hot", lambda lib, x, t: x * functional(lib).one_hot(t, 4), (3, 4), np.array([2, 0, 2])),
    case("comparison", lambda lib, a, b: a > b, (3, 4), (4,)),
]

# one tensor used several times: its gradients add up
REUSE = [
    case("b = a + a; c = b + b", lambda lib, a: (b := a + a) + b, (3, 4)),
    case("a * a", lambda lib, a: a * a, (3, 4)),
    case("a * a * a", lambda lib, a: a * a * a, (3, 4)),
    case("(a + 1) * (a - 1)", lambda lib, a: (a + 1) * (a - 1), (3, 4)),
    case("a @ a", lambda lib, a: a @ a, (3, 3)),
    case("a - a.mean(0)", lambda lib, a: a - a.mean(0), (3, 4)),
    case("a / a.sum(1, keepdim)", lambda lib, a: a / a.sum(1, keepdim=True), positive((3, 4))),
    case("two inputs two paths", lambda lib, a, b: (a * b).sum(0) + (a - b).tanh().mean(0), (3, 4), (4,)),
]


# inf and nan pass through forward and backward without an exception, as in torch
# (not differentiable there, so there are no finite differences)
NON_FINITE = [
    case("log of 0 and inf", lambda lib, x: x.log(), np.array([0.0, 1.0, inf, nan]), finite_differences=False),
    case("sqrt of 0", lambda lib, x: x.sqrt(), np.array([0.0, 4.0, inf]), finite_differences=False),
    case("1 / 0", lambda lib, x: 1 / x, np.array([0.0, -0.0, 2.0]), finite_differences=False),
    case("0 ** -0.5", lambda lib, x: x ** -0.5, np.array([0.0, 4.0]), finite_differences=False),
    case("exp of inf", lambda lib, x: x.exp(), np.array([inf, -inf, nan, 800.0]), finite_differences=False),
    case("tanh of inf", lambda lib, x: x.tanh(), np.array([inf, -inf, nan]), finite_differences=False),
    case("sigmoid of inf", lambda lib, x: x.sigmoid(), np.array([inf, -inf, nan]), finite_differences=False),
    case("sum and mean of nan", lambda lib, x: x.sum(0) + x.mean(1, keepdim=True), np.array([[nan, 1.0], [2.0, inf]]), finite_differences=False),
    case("max dim of nan", lambda lib, x: x.max(1).values, np.array([[1.0, nan, 3.0], [inf, 2.0, 0.0]]), finite_differences=False),
    case("logsumexp of infinite rows", lambda lib, x: x.logsumexp(1), np.array([[-inf, -inf], [1.0, inf], [-inf, 2.0], [nan, 1.0]]), finite_differences=False),
    case("log_softmax with -inf", lambda lib, x: functional(lib).log_softmax(x, dim=1), np.array([[-inf, 0.0, 1.0], [-inf, -inf, 1.0]]), finite_differences=False),
    case("softmax of inf", lambda lib, x: functional(lib).softmax(x, dim=1), np.array([[inf, 1.0], [0.0, 1.0]]), finite_differences=False),
    case("softmax with -inf", lambda lib, x: functional(lib).softmax(x, dim=1), np.array([[-inf, 0.0, 1.0], [-inf, -inf, 1.0], [-inf, -inf, -inf]]), finite_differences=False),
    case("cross_entropy with -inf logit", lambda lib, x, t: functional(lib).cross_entropy(x, t), np.array([[0.0, -inf, 1.0]]), np.array([0]), finite_differences=False),
    case("rows of a table, an inf gradient", lambda lib, x: x[np.array([1, 1, 2])].log(), np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 4.0], [5.0, 6.0]]), finite_differences=False),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("fn, inputs, options, variant", variants(NON_FINITE))
def test_non_finite_values(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


@pytest.mark.parametrize("fn, inputs, options, variant",
                         variants(ELEMENTWISE + SCALARS + BROADCAST + MATMUL + REDUCTIONS + TIES + SHAPES
                                  + INDEXING + JOINS + FUNCTIONAL + REUSE))
def test_op(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


# binary ops on shapes Hypothesis makes up; the second operand of / and atan2 is kept away
# from 0, the base of ** positive
BINARY = [
    pytest.param(lambda lib, a, b: a + b, normal, normal, id="add"),
    pytest.param(lambda lib, a, b: a - b, normal, normal, id="sub"),
    pytest.param(lambda lib, a, b: a * b, normal, normal, id="mul"),
    pytest.param(lambda lib, a, b: a / b, normal, nonzero, id="div"),
    pytest.param(lambda lib, a, b: a ** b, positive, normal, id="pow"),
    pytest.param(lambda lib, a, b: lib.maximum(a, b), normal, normal, id="maximum"),
    pytest.param(lambda lib, a, b: lib.minimum(a, b), normal, normal, id="minimum"),
    pytest.param(lambda lib, a, b: lib.atan2(a, b), normal, nonzero, id="atan2"),
    pytest.param(lambda lib, a, b: a.lerp(b, 0.25), normal, normal, id="lerp"),
    pytest.param(lambda lib, a, b: a.clamp(max=b), normal, normal, id="clamp max tensor"),
    pytest.param(lambda lib, a, b: lib.where(a > 0, a, b), normal, normal, id="where"),
]


@pytest.mark.parametrize("fn, first, second", BINARY)
@settings(max_examples=25, deadline=None, database=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       layout=st.sampled_from([CONTIGUOUS, *LAYOUTS]))
def test_binary_op_broadcasts(fn, first, second, shapes, layout):
    a, b = shapes.input_shapes
    check_op(fn, first(a), second(b), variant=layout)


def gradient_of(fn, array):
    x = mg.tensor(array, requires_grad=True)
    fn(x).backward()
    return x.grad


def test_an_infinite_gradient_of_picked_rows_stays_in_those_rows():
    C = mg.tensor([[1.0, 2.0], [0.0, 1.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    C[np.array([1, 1, 2])].log().sum().backward()
    np.testing.assert_allclose(C.grad.numpy(), [[0.0, 0.0], [inf, 2.0], [1 / 3, 1 / 4], [0.0, 0.0]])


def test_max_ties_follow_torchs_rule():
    # checked without torch too: whole-tensor ties share the gradient evenly,
    # max(dim) gives it all to the first index of the ties
    x = np.array([[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]])
    np.testing.assert_allclose(gradient_of(lambda t: t.max(), x), [[0, 1 / 3, 1 / 3], [1 / 3, 0, 0]])
    np.testing.assert_array_equal(gradient_of(lambda t: t.max(1).values.sum(), x), [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(gradient_of(lambda t: t.min(0).values.sum(), x), [[1, 0, 0], [0, 1, 1]])
