"""The element-wise math and the activations: forward and gradients against finite
differences and PyTorch (one line per case, through ``check_op``), and PyTorch's answers
at the edges (pow at 0, division by tiny numbers, integer inputs, no numpy warnings),
written out so that they are checked without torch too."""

import warnings

import numpy as np
import pytest

import minigrad as mg
from helpers import Uniform, case, check_op, functional, nonzero, positive, torch, variants

inf, nan = np.inf, np.nan
unit = Uniform((3, 4), 0.05, 0.95, signed=True)   # inside (-1, 1): asin, acos, atanh
above_one = Uniform((3, 4), 1.1, 3.0)              # acosh
# away from the kinks of the piecewise functions, where finite differences straddle them
away = Uniform((3, 4), 0.1, 2.5, signed=True)
around_three = np.array([-4.0, -2.5, -0.5, 0.5, 2.5, 4.0])

UNARY = [
    case(name, lambda lib, x, name=name: getattr(lib, name)(x), spec)
    for name, spec in [("sin", (3, 4)), ("cos", (3, 4)), ("tan", unit), ("asin", unit), ("acos", unit),
                       ("atan", (3, 4)), ("sinh", (3, 4)), ("cosh", (3, 4)), ("asinh", (3, 4)),
                       ("acosh", above_one), ("atanh", unit), ("erf", (3, 4)), ("exp2", (3, 4)),
                       ("log2", positive((3, 4))), ("log10", positive((3, 4))), ("log1p", positive((3, 4))),
                       ("expm1", (3, 4)), ("rsqrt", positive((3, 4))), ("square", (3, 4)),
                       ("reciprocal", nonzero((3, 4))), ("neg", (3, 4)), ("negative", (3, 4)),
                       ("frac", away)]
] + [
    case("sin method", lambda lib, x: x.sin() * x.cos(), (3, 4)),
    case("floor", lambda lib, x: x.floor() * x, away),
    case("ceil", lambda lib, x: x.ceil() * x, away),
    case("round", lambda lib, x: x.round() * x, away),
    case("round decimals", lambda lib, x: lib.round(x, decimals=1) + x, away),
    case("trunc", lambda lib, x: x.trunc() * x, away),
    case("sign", lambda lib, x: x.sign() * x, away),
    case("contiguous", lambda lib, x: x.T.contiguous() * 2, (3, 4)),
]

CLAMP = [
    case("clamp scalars", lambda lib, x: x.clamp(-0.5, 0.5), away),
    case("clamp min only", lambda lib, x: lib.clamp(x, min=0.3), away),
    case("clamp max only", lambda lib, x: x.clamp(max=0.3), away),
    case("clip", lambda lib, x: lib.clip(x, -1.0, 1.0), away),
    case("clamp_min", lambda lib, x: x.clamp_min(0.3), away),
    case("clamp_max", lambda lib, x: lib.clamp_max(x, 0.3), away),
    case("clamp tensors", lambda lib, x, lo, hi: x.clamp(lo, hi), (3, 4), Uniform((4,), -1.5, -0.1), Uniform((3, 1), 0.1, 1.5)),
    case("clamp min > max", lambda lib, x, lo, hi: x.clamp(lo, hi), (3, 4), Uniform((4,), 0.5, 1.0), Uniform((3, 1), -1.0, -0.5)),
    case("clamp at the bounds", lambda lib, x: x.clamp(0.0, 1.0), np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), finite_differences=False),
]

SELECTION = [
    case("where", lambda lib, c, x, y: lib.where(c, x, y), np.array([[True, False, True], [False, False, True]]), (2, 3), (2, 3)),
    case("where broadcast", lambda lib, c, x, y: lib.where(c, x, y), np.array([True, False, True]), (2, 1), (2, 3)),
    case("where scalar other", lambda lib, c, x: lib.where(c, x, 0.5), np.array([True, False, True]), (2, 3)),
    case("where scalar input", lambda lib, c, y: lib.where(c, -1.0, y), np.array([True, False, True]), (2, 3)),
    case("where method", lambda lib, c, x, y: x.where(c, y), np.array([True, False]), (3, 2), (2,)),
    case("masked_fill", lambda lib, m, x: x.masked_fill(m, -inf).exp(), np.array([[True, False, False], [False, True, False]]), (2, 3)),
    case("masked_fill broadcast mask", lambda lib, m, x: x.masked_fill(m, 0.25), np.array([True, False, True]), (2, 3)),
    case("masked_fill tensor value", lambda lib, m, x, v: x.masked_fill(m, v), np.array([True, False, True]), (2, 3), ()),
]

BINARY = [
    case("maximum", lambda lib, a, b: lib.maximum(a, b), (3, 4), (3, 4)),
    case("minimum", lambda lib, a, b: a.minimum(b), (3, 4), (4,)),
    case("maximum ties", lambda lib, a, b: lib.maximum(a, b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0]), finite_differences=False),
    case("minimum ties", lambda lib, a, b: lib.minimum(a, b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0]), finite_differences=False),
    case("maximum with nan", lambda lib, a, b: lib.maximum(a, b), np.array([nan, 2.0]), np.array([1.0, nan]), finite_differences=False),
    case("atan2", lambda lib, a, b: lib.atan2(a, b), (3, 4), nonzero((3, 4))),
    case("lerp scalar weight", lambda lib, a, b: lib.lerp(a, b, 0.3), (3, 4), (3, 4)),
    case("lerp tensor weight", lambda lib, a, b, w: a.lerp(b, w), (3, 4), (4,), (3, 1)),
    case("remainder", lambda lib, a, b: a % b, away, Uniform((3, 4), 0.3, 0.7, signed=True)),
    case("remainder scalar", lambda lib, a: lib.remainder(a, 0.7), away),
    case("floor_divide", lambda lib, a, b: (a // b).detach() * a, away, Uniform((3, 4), 0.3, 0.7, signed=True)),
]

ACTIVATIONS = [
    case("gelu", lambda lib, x: functional(lib).gelu(x), (3, 4)),
    case("gelu tanh", lambda lib, x: functional(lib).gelu(x, approximate="tanh"), (3, 4)),
    case("leaky_relu", lambda lib, x: functional(lib).leaky_relu(x), away),
    case("leaky_relu slope", lambda lib, x: functional(lib).leaky_relu(x, negative_slope=0.2), away),
    case("elu", lambda lib, x: functional(lib).elu(x), away),
    case("elu alpha", lambda lib, x: functional(lib).elu(x, alpha=0.5), away),
    case("selu", lambda lib, x: functional(lib).selu(x), away),
    case("softplus", lambda lib, x: functional(lib).softplus(x), (3, 4)),
    case("softplus beta threshold", lambda lib, x: functional(lib).softplus(x, beta=2.0, threshold=1.0), away),
    case("softplus large", lambda lib, x: functional(lib).softplus(x), np.array([-800.0, -30.0, 19.0, 25.0, 800.0])),
    case("silu", lambda lib, x: functional(lib).silu(x), (3, 4)),
    case("silu large", lambda lib, x: functional(lib).silu(x), np.array([-800.0, -30.0, 30.0, 800.0])),
    case("mish", lambda lib, x: functional(lib).mish(x), (3, 4)),
    case("mish large", lambda lib, x: functional(lib).mish(x), np.array([-800.0, -30.0, 30.0, 800.0])),
    case("hardtanh", lambda lib, x: functional(lib).hardtanh(x), away),
    case("hardtanh bounds", lambda lib, x: functional(lib).hardtanh(x, -0.5, 2.0), away),
    case("hardtanh at the bounds", lambda lib, x: functional(lib).hardtanh(x), np.array([-1.0, 1.0, 0.0]), finite_differences=False),
    case("relu6", lambda lib, x: functional(lib).relu6(x * 4), away),
    case("relu6 at 0 and 6", lambda lib, x: functional(lib).relu6(x), np.array([0.0, 6.0, 3.0]), finite_differences=False),
    case("softsign", lambda lib, x: functional(lib).softsign(x), (3, 4)),
    case("hardsigmoid at ±3", lambda lib, x: functional(lib).hardsigmoid(x), np.array([-3.0, 3.0]), finite_differences=False),
    case("hardswish", lambda lib, x: functional(lib).hardswish(x), around_three),
    case("hardswish at ±3", lambda lib, x: functional(lib).hardswish(x), np.array([-3.0, 3.0]), finite_differences=False),
    case("logsigmoid", lambda lib, x: functional(lib).logsigmoid(x), (3, 4)),
    case("logsigmoid large", lambda lib, x: functional(lib).logsigmoid(x), np.array([-800.0, -30.0, 30.0, 800.0])),
    case("tanhshrink", lambda lib, x: functional(lib).tanhshrink(x), (3, 4)),
]

MODULES = [
    case(f"nn.{name}", lambda lib, x, name=name, kwargs=kwargs: getattr(lib.nn, name)(**kwargs)(x), away)
    for name, kwargs in [("GELU", {}), ("GELU", {"approximate": "tanh"}), ("LeakyReLU", {"negative_slope": 0.1}),
                         ("ELU", {"alpha": 0.7}), ("SELU", {}),
                         ("Softplus", {"beta": 2.0}), ("SiLU", {}), ("Mish", {}),
                         ("Hardtanh", {"min_val": -0.5, "max_val": 0.5}), ("ReLU6", {}), ("Softsign", {}),
                         ("Hardswish", {}), ("LogSigmoid", {})]
]

# not differentiable there, or inf/nan: torch's values are the reference, without warnings
NON_FINITE = [
    case("log2 log10 log1p at the edge", lambda lib, x: x.log2() + x.log10() + (x - 1).log1p(), np.array([0.0, -1.0, 1.0, inf]), finite_differences=False),
    case("asin outside [-1, 1]", lambda lib, x: x.asin(), np.array([-2.0, 1.0, 2.0]), finite_differences=False),
    case("acos outside [-1, 1]", lambda lib, x: x.acos(), np.array([-2.0, -1.0, 2.0]), finite_differences=False),
    case("atanh at ±1", lambda lib, x: x.atanh(), np.array([-1.0, 1.0, 0.5, 2.0]), finite_differences=False),
    case("acosh at 1", lambda lib, x: x.acosh(), np.array([1.0, 0.5]), finite_differences=False),
    case("rsqrt reciprocal at 0", lambda lib, x: x.rsqrt() + x.reciprocal(), np.array([0.0, 4.0]), finite_differences=False),
    case("sin of inf", lambda lib, x: x.sin() + x.tan(), np.array([inf, nan, 1.0]), finite_differences=False),
    case("exp2 overflow", lambda lib, x: x.exp2(), np.array([2000.0, -2000.0]), finite_differences=False),
    case("expm1 overflow", lambda lib, x: x.expm1(), np.array([2000.0, -2000.0]), finite_differences=False),
    case("sinh overflow", lambda lib, x: x.sinh(), np.array([2000.0, -2000.0]), finite_differences=False),
    case("cosh overflow", lambda lib, x: x.cosh(), np.array([2000.0, -2000.0]), finite_differences=False),
    case("remainder by 0", lambda lib, a: a % 0.0, np.array([1.0, -1.0]), finite_differences=False),
    case("pow 0 ** 0", lambda lib, x: x ** 0.0, np.array([0.0, 1.0, -2.0]), finite_differences=False),
    case("pow at base 0", lambda lib, x, y: x ** y, np.array([0.0, 0.0, 0.0, 2.0]), np.array([2.0, 0.0, -1.0, -1.0]), finite_differences=False),
    case("0.0 ** x", lambda lib, y: 0.0 ** y, np.array([2.0, -1.0, 0.0]), finite_differences=False),
    case("(-2.0) ** x", lambda lib, y: (-2.0) ** y, np.array([2.0, 0.5]), finite_differences=False),
    case("div by tiny", lambda lib, a, b: a / b, np.array([1e-20, 1e-200]), np.array([1e-20, 1e-200]), finite_differences=False),
    case("div by 0", lambda lib, a, b: a / b, np.array([1.0, 0.0, -1.0]), np.array([0.0, 0.0, 0.0]), finite_differences=False),
]


@pytest.mark.parametrize("fn, inputs, options, variant", variants(UNARY + CLAMP + SELECTION + BINARY + ACTIVATIONS + MODULES))
def test_op(fn, inputs, options, variant):
    check_op(fn, *inputs, variant=variant, **options)


@pytest.mark.parametrize("fn, inputs, options, variant", variants(NON_FINITE))
def test_edge_values_match_torch_and_print_no_warning(fn, inputs, options, variant):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_op(fn, *inputs, variant=variant, **options)


# ----- PyTorch's answers at the edges, measured with torch 2.13 and written out -----

def gradients(fn, *arrays):
    tensors = [mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # PyTorch prints no warning for any of these
        fn(*tensors).sum().backward()
    return [t.grad for t in tensors]


def test_pow_with_exponent_0_has_gradient_0_at_0():
    np.testing.assert_array_equal(gradients(lambda x: x ** 0.0, [0.0, 1.0])[0], [0.0, 0.0])
    np.testing.assert_array_equal(gradients(lambda x: x ** 0, [0.0, 1.0])[0], [0.0, 0.0])


def test_pow_of_tensors_at_base_0():
    dx, dy = gradients(lambda x, y: x ** y, [0.0, 0.0, 2.0], [2.0, 0.0, -1.0])
    np.testing.assert_allclose(dx, [0.0, 0.0, -0.25])
    np.testing.assert_allclose(dy, [0.0, 0.0, 0.5 * np.log(2.0)])


def test_pow_of_scalar_base_0_and_negative():
    y = mg.tensor([2.0, -1.0, 0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (0.0 ** y).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, -inf, 0.0])
    np.testing.assert_array_equal(gradients(lambda y: (-2.0) ** y, [2.0, 0.5])[0], [nan, nan])


@pytest.mark.parametrize("exponent", [3, 3.0, -2, -0.5, 2, 0.5, 1.5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pow_gives_pytorchs_numbers_to_the_bit_where_its_kernel_writes_the_power_out(exponent, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).uniform(0.1, 3.0, 1000).astype(dtype)
    ours = (mg.tensor(x) ** exponent).numpy()
    theirs = torch.pow(torch.from_numpy(x), exponent).numpy()
    if exponent in (3, -2, -0.5, 2):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=3e-7 if dtype == "float32" else 1e-15)


def test_division_by_tiny_numbers_has_finite_gradients():
    da, db = gradients(lambda a, b: a / b, [1e-20], [1e-20])
    np.testing.assert_allclose(da, [1e20])
    np.testing.assert_allclose(db, [-1e20])
    a = mg.tensor(1e-20, requires_grad=True)
    b = mg.tensor(1e-20, requires_grad=True)   # float32: b * b would underflow to 0
    (a / b).backward()
    np.testing.assert_allclose(b.grad, -1e20, rtol=1e-6)


def test_integer_and_bool_inputs_of_float_functions_give_the_default_dtype():
    sigmoid = mg.tensor([1, 2]).sigmoid()
    assert sigmoid.dtype == mg.float32
    np.testing.assert_allclose(sigmoid.numpy(), [0.7310586, 0.8807971], rtol=1e-6)
    assert mg.tensor(2).exp().dtype == mg.float32
    for fn in (mg.exp, mg.log, mg.sqrt, mg.tanh, mg.sin, mg.erf, mg.rsqrt, mg.functional.gelu, mg.functional.silu):
        assert fn(mg.tensor([1, 2])).dtype == mg.float32, fn.__name__
        assert fn(mg.tensor([True, False])).dtype == mg.float32, fn.__name__
    # the ones that keep an integer dtype, as in PyTorch
    for fn in (mg.abs, mg.floor, mg.sign, mg.square, mg.neg, mg.relu):
        assert fn(mg.tensor([1, -2])).dtype == mg.int64, fn.__name__


@pytest.mark.parametrize("scalar, batch, expected", [
    (mg.float64, mg.float32, mg.float32), (mg.float32, mg.float64, mg.float64), (mg.float64, mg.float16, mg.float16),
    (mg.int64, mg.int32, mg.int32), (mg.int64, mg.uint8, mg.uint8), (mg.uint8, mg.int64, mg.int64),
    (mg.float64, mg.int32, mg.float64), (mg.int64, mg.float32, mg.float32)])
def test_a_0d_tensor_promotes_like_a_number_of_its_kind(scalar, batch, expected):
    # PyTorch: a 0-d tensor of the same kind as a tensor with dims takes that tensor's dtype
    x, s = mg.ones(3, dtype=batch), mg.tensor(2, dtype=scalar)
    assert (x * s).dtype == (s + x).dtype == (x - s).dtype == expected
    if torch is not None:
        theirs = torch.ones(3, dtype=getattr(torch, str(batch))) * torch.tensor(2, dtype=getattr(torch, str(scalar)))
        assert str(theirs.dtype) == f"torch.{expected}"


def test_a_0d_float64_tensor_gets_its_gradient_through_a_float32_product():
    s = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    (mg.tensor([1.0, 2.0, 4.0]) * s).sum().backward()
    assert s.grad.dtype == mg.float64 and s.grad.item() == 7.0


def test_the_default_dtype_is_followed():
    mg.set_default_dtype(mg.float64)
    try:
        assert (mg.tensor([1, 2]) / mg.tensor([2, 2])).dtype == mg.float64
        assert mg.tensor([1, 2]).sigmoid().dtype == mg.float64
        assert mg.tensor([1, 2]).clamp(min=0.5).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)


# PyTorch computes these gradients with its constants (1/6, 1/alpha) rounded to float32, even
# in float64: finite differences are the exact reference, torch agrees to float32's precision
ROUNDED_BY_TORCH = [
    pytest.param(lambda lib, x: functional(lib).hardsigmoid(x), around_three, id="hardsigmoid"),
    pytest.param(lambda lib, x: functional(lib).celu(x, alpha=2.0), away.draw(np.random.default_rng(0)), id="celu"),
    pytest.param(lambda lib, x: lib.nn.Hardsigmoid()(x), around_three, id="nn.Hardsigmoid"),
    pytest.param(lambda lib, x: lib.nn.CELU(alpha=0.7)(x), away.draw(np.random.default_rng(1)), id="nn.CELU"),
    pytest.param(lambda lib, x: 2.5 % x, Uniform((3, 4), 0.3, 0.7, signed=True).draw(np.random.default_rng(2)),
                 id="scalar remainder"),   # torch has no derivative for a scalar's remainder: no torch check
]


@pytest.mark.parametrize("fn, array", ROUNDED_BY_TORCH)
def test_gradients_where_torch_rounds(fn, array):
    x = mg.tensor(array, requires_grad=True)
    assert mg.gradcheck(lambda t: fn(mg, t), x, rtol=1e-6, atol=1e-8)
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(array, requires_grad=True)
    fn(mg, x).sum().backward()
    try:
        fn(torch, theirs).sum().backward()
    except RuntimeError:
        return
    np.testing.assert_allclose(fn(mg, x).numpy(), fn(torch, theirs).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, theirs.grad.numpy(), rtol=1e-6)


def test_promotion_of_selection_and_clamp():
    mask = mg.tensor([True, False])
    assert mg.where(mask, mg.tensor([1, 2]), 0.5).dtype == mg.float32
    assert mg.where(mask, 1.0, 0).dtype == mg.float32
    filled = mg.tensor([1, 2]).masked_fill(mask, 0.5)
    assert filled.dtype == mg.int64 and filled.tolist() == [0, 2]
    assert mg.tensor([1, 2]).clamp(min=1).dtype == mg.int64
    assert mg.tensor([1, 2]).clamp(min=0.5).tolist() == [1.0, 2.0]


def test_maximum_splits_ties_and_clamp_passes_at_its_bounds():
    da, db = gradients(mg.maximum, [1.0, 2.0, 3.0], [1.0, 1.0, 4.0])
    np.testing.assert_array_equal(da, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(db, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gradients(lambda x: x.clamp(0, 1), [-1.0, 0.0, 0.5, 1.0, 2.0])[0], [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(gradients(lambda x: x.clamp(1, 0), [-1.0, 0.0, 0.5, 1.0, 2.0])[0], [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(gradients(mg.functional.relu6, [-1.0, 0.0, 6.0, 7.0, 3.0])[0], [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(gradients(mg.functional.hardswish, [-3.0, 3.0, 0.0])[0], [0, 1, 0.5])


def test_rounding_has_zero_gradient_and_frac_one():
    for name in ("floor", "ceil", "round", "trunc", "sign"):
        np.testing.assert_array_equal(gradients(lambda x: getattr(x, name)(), [1.5, -1.5, 2.5])[0], [0, 0, 0])
    np.testing.assert_array_equal(gradients(lambda x: x.frac(), [1.5, -1.5])[0], [1, 1])
    assert mg.tensor([0.5, 1.5, 2.5, -0.5]).round().tolist() == [0.0, 2.0, 2.0, -0.0]   # halves to even


def test_floor_divide_has_no_derivative():
    x = mg.tensor([1.5, -1.5, 2.7], requires_grad=True)
    assert (x // 2).tolist() == [0.0, -1.0, 1.0]
    assert (mg.tensor([5, -5]) // 2).tolist() == [2, -3]
    with pytest.raises(RuntimeError, match="floor_divide"):
        (x // 2).sum().backward()


def test_logical_tests():
    x = mg.tensor([1.0, nan, inf, 0.0])
    assert x.isnan().tolist() == [False, True, False, False]
    assert mg.isinf(x).tolist() == [False, False, True, False]
    assert x.isfinite().tolist() == [True, False, False, True]
    assert x.logical_not().tolist() == [False, False, False, True]
    assert mg.logical_and(x, mg.tensor([0, 1, 1, 1])).tolist() == [False, True, True, False]
    assert x.logical_or(mg.tensor([0, 0, 0, 1])).tolist() == [True, True, True, True]
    assert (~mg.tensor([True, False])).tolist() == [False, True]
    a, b = mg.tensor([True, False, True]), mg.tensor([True, True, False])
    assert ((a & b).tolist(), (a | b).tolist(), (a ^ b).tolist()) == ([True, False, False], [True] * 3, [False, True, True])
    assert ((True & a).tolist(), (mg.tensor([6, 3]) | 8).tolist()) == ([True, False, True], [14, 11])


def test_half_and_contiguous():
    x = mg.tensor([1.0, 2.0])
    assert x.half().dtype == mg.float16
    assert x.contiguous() is x


@pytest.mark.parametrize("call, error", [
    (lambda: mg.tensor([1.0]).clamp(), ValueError),
    (lambda: mg.tensor([1.0]).masked_fill(mg.tensor([1]), 0.0), TypeError),
    (lambda: mg.where(mg.tensor([0, 1]), mg.tensor([1.0, 2.0]), 0.0), TypeError),
    (lambda: mg.functional.gelu(mg.tensor([1.0]), approximate="erf"), ValueError),
    (lambda: mg.functional.elu(mg.tensor([1.0]), inplace=True), NotImplementedError),
    (lambda: mg.nn.Hardtanh(1.0, -1.0), ValueError),
])
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()


def test_activation_modules_print_their_settings_as_pytorch():
    assert repr(mg.nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(mg.nn.GELU(approximate="tanh")) == "GELU(approximate='tanh')"
    assert repr(mg.nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(mg.nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(mg.nn.ReLU6(inplace=True)) == "ReLU6(inplace=True)"
    assert repr(mg.nn.ELU(alpha=0.5)) == "ELU(alpha=0.5)"
    assert repr(mg.nn.SELU()) == "SELU()"
