"""Bad input gives an error of the right type that names the op and the shapes."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.engine import primitive

F = mg.functional


def data(*shape):
    return mg.ones(*shape)


def leaf(*shape):
    return mg.ones(*shape, requires_grad=True)


def broken_sum_rule(self):
    """sum whose backward forgets to broadcast its gradient back: an engine-level bug."""
    return self.sum(), lambda grad: np.ones(self.shape[:-1])


broken_sum = primitive("broken_sum", broken_sum_rule)


def text_rule(self):
    """A rule numpy has no loop for (its _UFuncNoLoopError cannot be made from a message)."""
    return np.add(self, np.array(["a"])), lambda grad: grad


add_text = primitive("add_text", text_rule)


def read_only_step(optimizer):
    array = np.ones(3)
    array.flags.writeable = False
    weight = mg.Tensor(array, requires_grad=True, label="w")
    (weight * 2).sum().backward()
    optimizer([leaf(2), weight]).step()


@pytest.mark.parametrize("make_error, error, message", [
    # shapes that do not fit
    (lambda: data(3, 4) @ data(5, 2), ValueError, r"matmul: inner dimensions differ: \(3, 4\) @ \(5, 2\)"),
    (lambda: data(2, 3, 4) @ data(2, 5, 2), ValueError, r"matmul: .*\(2, 3, 4\) @ \(2, 5, 2\)"),
    (lambda: data(4) @ data(3), ValueError, r"matmul: .*\(4,\) @ \(3,\)"),
    (lambda: mg.tensor(2.0) @ data(3), ValueError, r"matmul: .*at least one dimension.*\(\), \(3,\)"),
    (lambda: data(3) @ 2.0, TypeError, r"matmul: .*not scalars"),
    (lambda: data(3) & mg.tensor([True, False, True]), TypeError, r"bitwise_and: needs bool or integer tensors, not float32 and bool"),
    (lambda: data(2, 3, 4).t(), RuntimeError, r"t: expects a tensor of at most 2 dims, got 3 \(shape \(2, 3, 4\)\)"),
    (lambda: data(3, 4) + data(5), ValueError, r"add: .*broadcast.*\(3, 4\), \(5,\)"),
    (lambda: data(3, 4) - data(2, 4), ValueError, r"sub: .*broadcast.*\(3, 4\), \(2, 4\)"),
    (lambda: data(3, 4) * data(4, 3), ValueError, r"mul: .*broadcast.*\(3, 4\), \(4, 3\)"),
    (lambda: data(3, 4) / data(3, 2), ValueError, r"div: .*broadcast.*\(3, 4\), \(3, 2\)"),
    (lambda: data(3, 4) ** data(5), ValueError, r"pow: .*broadcast.*\(3, 4\), \(5,\)"),
    (lambda: data(3, 4).view(5, 2), ValueError, r"view: shape \[5, 2\] is invalid for a tensor of shape \(3, 4\)"),
    (lambda: data(3, 4).view(-1, 5), ValueError, r"view: shape \[-1, 5\] is invalid for a tensor of shape \(3, 4\)"),
    (lambda: data(3, 4).view(-1, -1), ValueError, r"view: shape \[-1, -1\] is invalid"),
    (lambda: data(3, 4).reshape(7), ValueError, r"reshape: shape \[7\] is invalid for a tensor of shape \(3, 4\)"),
    (lambda: mg.cat([data(3, 4), data(3, 5)]), ValueError, r"cat: .*\(3, 4\), \(3, 5\)"),
    (lambda: mg.stack([data(3, 4), data(3, 5)]), ValueError, r"stack: .*\(3, 4\), \(3, 5\)"),
    (lambda: mg.cat([]), ValueError, r"cat: needs a non-empty list"),
    (lambda: data(3, 4).permute(0, 0), ValueError, r"permute: .*repeats"),
    # indices out of range
    (lambda: data(3, 4)[5], IndexError, r"getitem: index 5 is out of bounds .*size 3.*\(3, 4\)"),
    (lambda: data(3, 4)[:, 7], IndexError, r"getitem: index 7 .*axis 1.*\(3, 4\)"),
    (lambda: data(3, 4)[[0, 9]], IndexError, r"getitem: index 9 .*\(3, 4\)"),
    (lambda: data(3, 4)[mg.tensor([0, -4])], IndexError, r"getitem: index -4 .*\(3, 4\)"),
    (lambda: data(3, 4)[0, 0, 0], IndexError, r"getitem: too many indices.*\(3, 4\)"),
    (lambda: F.cross_entropy(data(3, 4), mg.tensor([0, 1, 4])), IndexError, r"cross_entropy: .*class index outside \[0, 3\].*\(3, 4\)"),
    (lambda: F.cross_entropy(data(3, 4), mg.tensor([0, -1, 2])), IndexError, r"cross_entropy: .*class index outside \[0, 3\]"),
    (lambda: F.cross_entropy(data(3, 4), np.array([0, -5, 2], np.int32)), IndexError, r"cross_entropy: .*class index outside"),
    (lambda: F.one_hot(mg.tensor([0, 5]), 3), IndexError, r"one_hot: indices must lie in \[0, 2\]"),
    # dims out of range
    (lambda: data(3, 4).sum(2), IndexError, r"sum: dim 2 is out of range for a tensor of 2 dims"),
    (lambda: data(3, 4).mean(-3), IndexError, r"mean: dim -3 is out of range for a tensor of 2 dims"),
    (lambda: data(3, 4).var((0, 5)), IndexError, r"var: dim 5 is out of range"),
    (lambda: data(3, 4).max(2), IndexError, r"max: dim 2 is out of range for a tensor of 2 dims"),
    (lambda: data(3, 4).min(-3), IndexError, r"min: dim -3 is out of range"),
    (lambda: data(3, 4).transpose(0, 2), IndexError, r"transpose: dim 2 is out of range"),
    (lambda: data(3, 4).permute(1, 0, 2), IndexError, r"permute: dim 2 is out of range"),
    (lambda: data(3, 4).unsqueeze(3), IndexError, r"unsqueeze: dim 3 is out of range for a tensor of 3 dims"),
    (lambda: data(3, 4).squeeze(2), IndexError, r"squeeze: dim 2 is out of range"),
    (lambda: data(3, 4).flatten(3), IndexError, r"flatten: dim 3 is out of range"),
    (lambda: data(3, 4).logsumexp(2), IndexError, r"logsumexp: dim 2 is out of range"),
    (lambda: F.softmax(data(3, 4), dim=2), IndexError, r"softmax: dim 2 is out of range"),
    (lambda: F.log_softmax(data(3, 4), dim=-3), IndexError, r"log_softmax: dim -3 is out of range"),
    (lambda: mg.cat([data(3, 4), data(3, 4)], dim=2), IndexError, r"cat: dim 2 is out of range"),
    (lambda: mg.stack([data(3, 4), data(3, 4)], dim=3), IndexError, r"stack: dim 3 is out of range"),
    # backward misuse
    (lambda: leaf(3, 4).sum(0).backward(), RuntimeError, r"backward: .*only for a tensor with one element.*shape \(4,\)"),
    (lambda: data(3, 4).sum().backward(), RuntimeError, r"backward: .*does not require grad"),
    (lambda: leaf(3, 4).sum(0).backward(np.ones(3)), RuntimeError, r"backward: gradient has shape \(3,\) but the tensor has shape \(4,\)"),
    (lambda: broken_sum(leaf(3, 4)).backward(), RuntimeError, r"broken_sum: .*gradient of shape \(3,\) for an input of shape \(3, 4\)"),
    (lambda: data(3).retain_grad(), RuntimeError, r"retain_grad: .*does not require grad"),
    (lambda: (leaf(3) * 2).requires_grad_(), RuntimeError, r"requires_grad_: only leaf tensors"),
    (lambda: setattr(leaf(3, 4), "grad", np.ones(3)), ValueError, r"grad: .*shape \(3,\).*shape \(3, 4\)"),
    # types
    (lambda: mg.tensor([1, 2], requires_grad=True), TypeError, r"requires_grad: only floating-point.*int64"),
    (lambda: mg.tensor([1, 2]).requires_grad_(), TypeError, r"requires_grad: only floating-point.*int64"),
    (lambda: mg.zeros(2, dtype=mg.int64, requires_grad=True), TypeError, r"requires_grad: only floating-point.*int64"),
    (lambda: data(3) + "a", TypeError, r"unsupported operand type\(s\) for \+: 'Tensor' and 'str'"),
    (lambda: data(3) @ "a", TypeError, r"unsupported operand type\(s\) for @: 'Tensor' and 'str'"),
    (lambda: data(3) < "a", TypeError, r"'<' not supported between instances of 'Tensor' and 'str'"),
    (lambda: mg.tensor(["a"]), TypeError, r"tensor: cannot make a tensor from list"),
    (lambda: mg.tensor([1, 2]).mean(), TypeError, r"mean: needs a floating-point tensor, got int64"),
    (lambda: F.cross_entropy(data(3, 4), mg.tensor([0, 1])), ValueError, r"cross_entropy: target must hold .*\(3,\).*\(3, 4\).*shape \(2,\)"),
    (lambda: F.cross_entropy(data(2, 3, 4), mg.tensor([0, 1])), ValueError, r"cross_entropy: target must hold .*\(2, 4\).*\(2, 3, 4\)"),
    (lambda: F.one_hot(mg.tensor([0.5])), TypeError, r"one_hot: indices must be integers"),
    # sizes and ranges PyTorch refuses
    (lambda: data(2, 3).roll((1, 2)), RuntimeError, r"roll: shifts \(1, 2\) need as many dims"),
    (lambda: data(2, 3).roll((1, 2), 0), RuntimeError, r"roll: shifts \(1, 2\) and dims \(0,\) must align"),
    (lambda: mg.randn(-3, 2), RuntimeError, r"randn: .*negative dimension -3: \[-3, 2\]"),
    (lambda: mg.rand((2, -1)), RuntimeError, r"rand: .*negative dimension -1"),
    (lambda: mg.zeros(-1), RuntimeError, r"zeros: .*negative dimension -1"),
    (lambda: mg.ones(2, -2), RuntimeError, r"ones: .*negative dimension -2"),
    (lambda: mg.empty(-4), RuntimeError, r"empty: .*negative dimension -4"),
    (lambda: mg.full((-1, 2), 1.0), RuntimeError, r"full: .*negative dimension -1"),
    (lambda: mg.randint(0, 5, (-1,)), RuntimeError, r"randint: .*negative dimension -1"),
    (lambda: mg.randperm(-1), RuntimeError, r"randperm: .*negative dimension -1"),
    (lambda: mg.eye(2, -1), RuntimeError, r"eye: .*negative dimension -1"),
    (lambda: mg.linspace(0, 1, -3), RuntimeError, r"linspace: number of steps must be non-negative"),
    (lambda: mg.linspace(5, 10, 3, dtype=bool), NotImplementedError, r"linspace: not implemented for dtype bool"),
    (lambda: mg.logspace(0, 1, 3, dtype=mg.bool_), NotImplementedError, r"logspace: not implemented for dtype bool"),
    (lambda: mg.arange(0, 5, 0), RuntimeError, r"arange: step must be nonzero"),
    (lambda: mg.tensor([True, False]).relu(), RuntimeError, r"relu: boolean inputs are not supported, as in PyTorch"),
    (lambda: data(2, 3) @ data(3, 2).double(), RuntimeError, r"matmul: expected all tensors to have the same dtype, got input float32, other float64"),
    (lambda: data(2, 3) @ mg.ones(3, 2, dtype=mg.int64), RuntimeError, r"matmul: .*got input float32, other int64; convert the other with .to\(float32\)"),
    (lambda: data(5)[::-1], ValueError, r"index: a slice's step must be greater than zero, got -1 .*flip"),
    (lambda: data(5, 2).__setitem__((slice(None, None, -2), 0), 1.0), ValueError, r"index: .*step must be greater than zero, got -2"),
    (lambda: mg.arange(5, 0), RuntimeError, r"arange: end 0 and start 5 are inconsistent with the sign of step 1"),
    # dtypes a tensor cannot hold, refused where they would enter
    (lambda: mg.tensor(np.array([1 + 2j])), TypeError, r"tensor: minigrad does not support dtype complex128; a tensor holds one of bool, .*float64"),
    (lambda: mg.Tensor(np.array(["a"])), TypeError, r"tensor: .*dtype <U1"),
    (lambda: mg.tensor(np.array([b"a"])), TypeError, r"tensor: .*dtype \|S1"),
    (lambda: mg.tensor(np.array([None])), TypeError, r"tensor: .*dtype object"),
    (lambda: mg.tensor(np.array(["2020-01-01"], dtype="datetime64[D]")), TypeError, r"tensor: .*dtype datetime64\[D\]"),
    (lambda: mg.tensor(np.zeros(2, dtype=[("a", int)])), TypeError, r"tensor: .*dtype \[\('a'"),
    (lambda: mg.Tensor(np.zeros(2, dtype="V4")), TypeError, r"tensor: .*dtype \|V4"),
    (lambda: mg.tensor(np.complex64(1)), TypeError, r"tensor: .*dtype complex64"),
    (lambda: mg.tensor([1.0], dtype=np.complex64), TypeError, r"tensor: .*dtype complex64"),
    (lambda: mg.zeros(2, dtype=complex), TypeError, r"tensor: .*dtype complex128"),
    (lambda: data(2).to(np.complex128), TypeError, r"to: .*dtype complex128"),
    (lambda: mg.from_numpy(np.array([1 + 2j])), TypeError, r"from_numpy: minigrad does not support dtype complex128"),
    (lambda: mg.tensor([None, 1]), TypeError, r"tensor: cannot make a tensor from list data of dtype object"),
    (lambda: mg.tensor([[1, 2], [3]]), ValueError, r"tensor: the nested sequences are ragged"),
    # dtypes that PyTorch does not promote between an op's input and its parameters
    (lambda: mg.nn.Linear(3, 2)(data(1, 3).double()), RuntimeError, r"linear: .*same dtype, got input float64, weight float32, bias float32; convert the input with .to\(float32\)"),
    (lambda: F.linear(data(1, 3).long(), data(2, 3)), RuntimeError, r"linear: .*input int64, weight float32"),
    (lambda: F.batch_norm(data(2, 3).long(), None, None, data(3), data(3), training=True), RuntimeError, r"batch_norm: .*input int64, weight float32, bias float32"),
    (lambda: mg.nn.BatchNorm1d(3)(data(2, 3).double()), RuntimeError, r"batch_norm: .*input float64, .*running_mean float32"),
    (lambda: F.cross_entropy(data(2, 3).long(), mg.tensor([0, 1])), TypeError, r"cross_entropy: needs a floating-point tensor, got int64"),
    (lambda: F.cross_entropy(data(2, 3), mg.tensor([0.0, 1.0])), ValueError, r"cross_entropy: target must hold integer class indices .*got float32 of shape \(2,\); convert them with .long\(\)"),
    (lambda: F.nll_loss(data(2, 3), mg.tensor([0.0, 1.0])), ValueError, r"nll_loss: .*convert them with .long\(\)"),
    # 0-d tensors, empty inputs and dims, as PyTorch refuses them
    (lambda: mg.tensor(1.0).flatten(0, 1), IndexError, r"flatten: dim 1 is out of range for a tensor of 0 dims \(expected in \[-1, 0\]\)"),
    (lambda: mg.tensor(1.0).transpose(0, 1), IndexError, r"transpose: dim 1 is out of range"),
    (lambda: data(3).argmax(5), IndexError, r"argmax: dim 5 is out of range for a tensor of 1 dims \(expected in \[-1, 0\]\)"),
    (lambda: data(3, 2).argmin(-3), IndexError, r"argmin: dim -3 is out of range"),
    (lambda: data(0).argmax(), IndexError, r"argmax: cannot reduce over an empty dim .*\(0,\)"),
    (lambda: data(0, 3).argmin(0), IndexError, r"argmin: cannot reduce over an empty dim .*\(0, 3\)"),
    (lambda: mg.multinomial(data(0), 1), RuntimeError, r"multinomial: cannot draw 1 samples from probabilities of shape \(0,\)"),
    (lambda: mg.multinomial(data(3), 0), RuntimeError, r"multinomial: cannot draw 0 samples"),
    # numbers an integer tensor cannot take
    (lambda: mg.tensor(np.array([1], np.uint8)) ** -1, RuntimeError, r"pow: integers to negative integer powers are not allowed \(uint8 tensor \*\* -1\)"),
    (lambda: mg.tensor([1, 2]) ** -2, RuntimeError, r"pow: integers to negative integer powers .*int64"),
    # a rule's own error keeps its type and message, and names the op
    (lambda: add_text(data(2)), TypeError, r"(?s)did not contain a loop.*add_text: raised by the op, on inputs of shapes \(2,\)"),
    (lambda: mg.tensor([True]) - mg.tensor([True]), TypeError, r"sub: numpy boolean subtract.*\(input shapes: \(1,\), \(1,\)\)"),
    (lambda: mg.Tensor(np.ones((3, 4), np.float32), label="W1") @ data(5, 2), ValueError, r"matmul: .*\(input shapes: W1 \(3, 4\), \(5, 2\)\)"),
    # misuse, told what to do instead
    (lambda: leaf(3).backward("ab"), TypeError, r"backward: the gradient must be a tensor, an array or a number, got str 'ab'"),
    (lambda: leaf(3).add_(1), RuntimeError, r"a leaf Variable that requires grad .* inside `with torch.no_grad\(\):`"),
    (lambda: read_only_step(mg.optim.SGD), RuntimeError, r"SGD.step: parameter 1 of group 0 'w' \(shape \(3,\)\) holds a read-only array"),
    (lambda: read_only_step(mg.optim.Adam), RuntimeError, r"Adam.step: parameter 1 .*read-only"),
    # conversions
    (lambda: data(3, 4).item(), ValueError, r"item: .*one element.*shape \(3, 4\)"),
    (lambda: bool(data(3, 4)), RuntimeError, r"bool: .*shape \(3, 4\) is ambiguous"),
    (lambda: len(mg.tensor(1.0)), TypeError, r"len\(\) of a 0-d tensor"),
    (lambda: mg.zeros(0).max(), ValueError, r"max: cannot reduce an empty tensor of shape \(0,\)"),
])
def test_bad_input_raises_a_clear_error(make_error, error, message):
    with pytest.raises(error, match=message):
        make_error()
