"""The plumbing the "Let's build GPT" scripts meet before any model: devices (the CPU only),
torch.cuda's questions, dtype aliases, Tensor.to/cpu/device, Module.to/float/double, Size,
f-string formatting, the grad modes, from_numpy and gradient clipping; as PyTorch's CPU build."""

import numpy as np
import pytest

import minigrad as mg

FACTORIES = [
    lambda lib, **kw: lib.tensor([1.0, 2.0], **kw), lambda lib, **kw: lib.zeros(2, 3, **kw),
    lambda lib, **kw: lib.ones((2,), **kw), lambda lib, **kw: lib.zeros_like(lib.ones(2), **kw),
    lambda lib, **kw: lib.ones_like(lib.ones(2), **kw), lambda lib, **kw: lib.full((2,), 3.0, **kw),
    lambda lib, **kw: lib.empty(2, **kw), lambda lib, **kw: lib.empty_like(lib.ones(2), **kw),
    lambda lib, **kw: lib.full_like(lib.ones(2), 7, **kw), lambda lib, **kw: lib.eye(3, **kw),
    lambda lib, **kw: lib.linspace(0, 1, 5, **kw), lambda lib, **kw: lib.logspace(0, 1, 5, **kw),
    lambda lib, **kw: lib.arange(5, **kw), lambda lib, **kw: lib.randn(2, 3, **kw),
    lambda lib, **kw: lib.rand(4, **kw), lambda lib, **kw: lib.randn_like(lib.ones(2), **kw),
    lambda lib, **kw: lib.rand_like(lib.ones(2), **kw), lambda lib, **kw: lib.randint(0, 5, (3,), **kw),
    lambda lib, **kw: lib.randperm(4, **kw),
]


@pytest.mark.parametrize("make", FACTORIES)
def test_every_factory_takes_the_cpu_and_refuses_cuda_naming_the_cpu(make):
    for where in ("cpu", mg.device("cpu"), "cpu:0", None):
        assert make(mg, device=where).device == mg.device("cpu")
    for where in ("cuda", "cuda:0", mg.device("mps")):
        with pytest.raises(RuntimeError, match="minigrad runs on the CPU only"):
            make(mg, device=where)


def test_devices_print_and_compare_as_torchs():
    torch = pytest.importorskip("torch")
    for spec in [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("mps",), ("cpu", 0)]:
        ours, theirs = mg.device(*spec), torch.device(*spec)
        assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type, theirs.index)
    assert mg.device(mg.device("cuda:2")) == mg.device("cuda", 2) != mg.device("cuda")
    assert len({mg.device("cpu"), mg.device("cpu"), mg.device("cuda")}) == 2
    with pytest.raises(RuntimeError, match="device type, got 'gpu'"):
        mg.device("gpu")


def test_torch_cuda_answers_as_a_cpu_build():
    device = "cuda" if mg.cuda.is_available() else "cpu"
    assert device == "cpu" and mg.cuda.device_count() == 0
    assert mg.cuda.manual_seed_all(1337) is None and mg.cuda.manual_seed(1) is None and mg.cuda.synchronize() is None


def test_dtype_aliases_are_torchs():
    torch = pytest.importorskip("torch")
    names = ["long", "int", "short", "float", "double", "half", "bool", "int8", "int16", "int32", "int64", "uint8",
             "float16", "float32", "float64"]
    for name in names:
        assert mg.tensor([1], dtype=getattr(mg, name)).numpy().dtype == \
            torch.tensor([1], dtype=getattr(torch, name)).numpy().dtype, name
    assert mg.tensor([1, 2], dtype=mg.long).dtype == mg.int64
    import builtins
    namespace = {}
    exec("from minigrad import *", namespace)
    assert "float" not in namespace and builtins.float(1) == 1.0


def test_tensor_to_in_all_its_forms():
    x = mg.randn(3, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(mg.device("cpu")) is x and x.to(mg.float32) is x
    assert x.to(mg.float64).dtype == mg.float64 and x.to("cpu", mg.double).dtype == mg.float64
    assert x.to(device="cpu", dtype=mg.long).dtype == mg.int64 and x.to(mg.zeros(1, dtype=mg.int32)).dtype == mg.int32
    copied = x.to("cpu", copy=True)
    assert copied is not x and np.array_equal(copied.detach().numpy(), x.detach().numpy())
    x.to(mg.float64).sum().backward()
    assert x.grad.dtype == mg.float32 and np.all(x.grad.numpy() == 1)
    assert x.device == mg.device("cpu") and repr(x.device) == "device(type='cpu')" and not x.is_cuda
    for convert in (lambda: x.to("cuda"), lambda: x.to("mps", mg.float64), lambda: x.cuda()):
        with pytest.raises(RuntimeError, match="(to|cuda): minigrad runs on the CPU only"):
            convert()


def test_module_to_cpu_float_double():
    torch = pytest.importorskip("torch")
    for lib in (mg, torch):
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.LayerNorm(4))
        net(lib.randn(2, 3)).sum().backward()
        assert net.to("cpu") is net and net.cpu() is net
        assert net.double() is net and {p.dtype for p in net.parameters()} == {lib.float64}
        assert {p.grad.dtype for p in net.parameters()} == {lib.float64}
        assert net.to(lib.float32) is net and {p.dtype for p in net.parameters()} == {lib.float32}
        assert net.to("cpu", lib.float64).float() is net and net(lib.randn(2, 3)).dtype == lib.float32
    with pytest.raises(RuntimeError, match="Module.to: minigrad runs on the CPU only"):
        mg.nn.Linear(2, 2).to("cuda")


def test_sizes_print_as_torchs():
    torch = pytest.importorskip("torch")
    x, y = mg.zeros(32, 27), torch.zeros(32, 27)
    for ours, theirs in [(x.shape, y.shape), (x.size(), y.size()), (x.shape[1:], y.shape[1:]), (x.shape + (5,), y.shape + (5,)),
                         ((5,) + x.shape, (5,) + y.shape), (x.shape * 2, y.shape * 2), (mg.zeros(()).shape, torch.zeros(()).shape)]:
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs) and ours == theirs
    assert x.shape == (32, 27) and isinstance(x.shape, tuple) and isinstance(x.shape, mg.Size)
    assert x.shape.numel() == 864 and x.shape[0] == 32 and type(x.shape[0]) is int
    assert f"{x.shape}" == "(32, 27)"  # as error messages show shapes (docs/api.md)


def test_a_0d_tensor_formats_its_value():
    torch = pytest.importorskip("torch")
    for lib in (mg, torch):
        loss = lib.tensor(2.718281828, requires_grad=True) * 1
        assert f"{loss:.4f}" == "2.7183" and f"{loss}" == format(loss.item()) and f"{lib.tensor(3):>4d}" == "   3"
        assert f"{lib.tensor([1.0, 2.0])}" == str(lib.tensor([1.0, 2.0]))
        with pytest.raises(TypeError, match="format"):
            f"{lib.tensor([1.0, 2.0]):.2f}"


def test_set_grad_enabled_as_function_context_and_decorator():
    x = mg.ones(2, requires_grad=True)
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @mg.set_grad_enabled(False)
    def frozen():
        return (x * 2).requires_grad

    assert mg.is_grad_enabled() and not frozen() and mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled() and not (x * 2).requires_grad
        with mg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def test_inference_mode_as_context_and_decorator():
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        assert not (x * 2).requires_grad
    with mg.inference_mode(False):
        assert (x * 2).requires_grad

    @mg.inference_mode()
    def evaluate():
        return (x * 2).requires_grad

    @mg.inference_mode
    def bare():
        return (x * 2).requires_grad

    assert not evaluate() and not bare() and (x * 2).requires_grad


def test_top_level_softmax_and_log_softmax():
    x = mg.randn(4, 5)
    np.testing.assert_allclose(mg.softmax(x, dim=-1).numpy(), x.softmax(-1).numpy())
    np.testing.assert_allclose(mg.log_softmax(x, 1).numpy(), mg.functional.log_softmax(x, dim=1).numpy())


def test_from_numpy_shares_memory():
    array = np.arange(6.0).reshape(2, 3)
    t = mg.from_numpy(array)
    array[0, 0] = 7.0
    t[1, 2] = -1.0
    assert t[0, 0].item() == 7.0 and array[1, 2] == -1.0 and t.dtype == mg.float64
    with pytest.raises(TypeError, match="from_numpy: expected an np.ndarray, got list"):
        mg.from_numpy([1.0])
    with pytest.raises(TypeError, match="from_numpy: .* dtype <U1"):
        mg.from_numpy(np.array(["a"]))


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1), (0.1, float("inf"))])
def test_clip_grad_norm_is_torchs(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mg, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(5, 7), lib.nn.Tanh(), lib.nn.Linear(7, 3))
        (net(lib.randn(4, 5)) ** 2).sum().backward()
        grad = net[0].weight.grad
        total = lib.nn.utils.clip_grad_norm_(net.parameters(), max_norm, norm_type=norm_type)
        assert net[0].weight.grad is grad  # in place
        results.append([total.item()] + [p.grad.numpy().copy() for p in net.parameters()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_clip_grad_value_and_non_finite_norms():
    w = mg.nn.Parameter(mg.tensor([1.0, -2.0, 3.0]))
    w.grad = mg.tensor([0.5, -4.0, float("inf")])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm .* is inf"):
        mg.nn.utils.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)
    mg.nn.utils.clip_grad_value_([w], 1.0)
    assert w.grad.tolist() == [0.5, -1.0, 1.0]
    assert mg.nn.utils.clip_grad_norm_([mg.nn.Parameter(mg.ones(2))], 1.0).item() == 0.0
