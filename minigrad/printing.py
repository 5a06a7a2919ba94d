"""How a tensor prints, as PyTorch prints it: its format for floats (four decimals, or
scientific notation when the magnitudes are far apart; integral floats as ``1.``), each
element padded to the widest, rows wrapped at 80 characters, and tensors of more than 1000
elements summarised by their first and last 3 entries along each dimension."""

import numpy as np

__all__ = ["array_text", "grad_fn_name"]

LINE_WIDTH, THRESHOLD, EDGE_ITEMS = 80, 1000, 3  # PyTorch's print options


def _float_format(array):
    """The format of one element, chosen from the finite values as PyTorch's _Formatter does."""
    finite = array[np.isfinite(array)]
    magnitudes = np.abs(finite[finite != 0]).astype(np.float64)
    spread = magnitudes.size and (magnitudes.max() / magnitudes.min() > 1000.0 or magnitudes.max() > 1.0e8)
    if finite.size and np.all(finite == np.round(finite)):
        return "{:.4e}" if spread else "{:.0f}."
    if spread or (magnitudes.size and magnitudes.min() < 1.0e-4):
        return "{:.4e}"
    return "{:.4f}"


def _element_format(shown):
    """(format of one value, the width values are padded to) from the values ``shown``: a float's
    width is that of its non-zero finite values (at least 1), anything else's its widest value."""
    if shown.dtype.kind != "f":
        return str, max((len(str(value)) for value in shown.reshape(-1).tolist()), default=1)
    form = _float_format(shown)
    measured = shown[np.isfinite(shown) & (shown != 0)].tolist()
    width = max((len(form.format(value)) for value in measured), default=1)
    return (lambda value: form.format(value) if np.isfinite(value) else str(value)), width  # inf, nan bare


def _edges(size, summarize):
    """The positions printed along a dimension of ``size``: the first and last few when summarised."""
    if summarize and size > 2 * EDGE_ITEMS:
        return list(range(EDGE_ITEMS)) + [None] + list(range(size - EDGE_ITEMS, size))
    return list(range(size))


def _layout(array, indent, summarize, element, width):
    if array.ndim == 0:
        return element(array.item()).rjust(width)
    positions = _edges(array.shape[0], summarize)
    if array.ndim == 1:
        values = array.tolist()
        data = [" ..." if i is None else element(values[i]).rjust(width) for i in positions]
        per_line = max(1, (LINE_WIDTH - indent) // (width + 2))
        lines = [", ".join(data[start:start + per_line]) for start in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = ["..." if i is None else _layout(array[i], indent + 1, summarize, element, width) for i in positions]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def array_text(array, prefix="tensor("):
    """The body of a tensor's repr: its values, as ``torch.Tensor.__repr__`` shows them after
    ``prefix``."""
    if array.size == 0:
        return "[]"
    summarize = array.size > THRESHOLD
    shown = array[np.ix_(*[[i for i in _edges(size, True) if i is not None] for size in array.shape])] \
        if summarize else array
    element, width = _element_format(shown)
    return _layout(array, len(prefix), summarize, element, width)


# ----- grad_fn=<...>: the name PyTorch gives the backward of the same op -----

_SAME_OPS = ("abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "binary_cross_entropy",
             "binary_cross_entropy_with_logits", "cat", "ceil", "cos", "cosh", "cumprod", "cumsum", "div", "elu", "erf",
             "exp", "exp2", "expand", "expm1", "flip", "floor", "gather", "gelu", "hardsigmoid", "hardswish",
             "hardtanh", "index_put", "leaky_relu", "log", "log10", "log2", "logcumsumexp", "maximum", "minimum", "mish",
             "mul", "neg", "permute", "prod", "reciprocal", "relu", "remainder", "repeat", "roll", "round", "rsqrt",
             "sigmoid", "sign", "silu", "sin", "sinh", "softmax", "softplus", "sqrt", "stack", "std", "tan", "tanh", "tril", "triu",
             "trunc", "var", "view", "where")
_RENAMED = {"cast": "ToCopy", "copy": "Clone", "cross_entropy": "NllLoss", "batch_norm": "NativeBatchNorm",
            "layer_norm": "NativeLayerNorm",
            "logsigmoid": "LogSigmoid", "log1p": "Log1P"}
_BACKWARD_NAMES = {"sum": "SumBackward0", "max": "MaxBackward1", "min": "MinBackward1", "matmul": "MmBackward0",
                   "clamp": "ClampBackward1",
                   **{op: "".join(part.capitalize() for part in op.split("_")) + "Backward0" for op in _SAME_OPS},
                   **{op: name + "Backward0" for op, name in _RENAMED.items()}}


def _ndims(inputs):
    return [getattr(value, "ndim", 0) for value in inputs]


def _is_tensor(value):
    return hasattr(value, "ndim") and hasattr(value, "op")


def _matmul_name(inputs, params):
    first, second = _ndims(inputs)
    if max(first, second) > 2:
        return "UnsafeViewBackward0"
    return {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0"}.get((first, second), "SqueezeBackward4")


def _linear_name(inputs, params):
    has_bias = len(inputs) > 2 and inputs[2] is not None
    if inputs[0].ndim == 2:
        return "AddmmBackward0" if has_bias else "MmBackward0"
    return "ViewBackward0" if has_bias else ("SqueezeBackward4" if inputs[0].ndim == 1 else "UnsafeViewBackward0")


def _index_name(inputs, params):
    """PyTorch applies an index's parts in turn (a full slice and ``...`` change nothing): the
    last one names the backward; any list or tensor among them makes it an advanced index."""
    parts = params["index"] if isinstance(params["index"], tuple) else (params["index"],)
    if any(isinstance(part, (list, tuple)) or hasattr(part, "shape") for part in parts):
        return "IndexBackward0"
    acting = [part for part in parts if part is not Ellipsis and part != slice(None)]
    last = acting[-1] if acting else parts[-1]
    if last is None:
        return "UnsqueezeBackward0"
    return "SliceBackward0" if isinstance(last, slice) else ("AliasBackward0" if last is Ellipsis else "SelectBackward0")


_BY_ARGUMENTS = {
    "matmul": _matmul_name,
    "linear": _linear_name,
    "getitem": _index_name,
    "sum": lambda inputs, params: "SumBackward0" if params.get("dim") is None else "SumBackward1",
    "max": lambda inputs, params: "MaxBackward0" if params.get("dim") is not None else "MaxBackward1",
    "min": lambda inputs, params: "MinBackward0" if params.get("dim") is not None else "MinBackward1",
    "pow": lambda inputs, params: ("PowBackward1" if _is_tensor(inputs[0]) else "PowBackward2")
    if _is_tensor(inputs[1]) else "PowBackward0",
    "sub": lambda inputs, params: "SubBackward0" if _is_tensor(inputs[0]) else "RsubBackward1",
    "clamp": lambda inputs, params: "ClampBackward0" if any(map(_is_tensor, inputs[1:])) else "ClampBackward1",
}


def grad_fn_name(op, inputs, params):
    """The name PyTorch's ``grad_fn`` has for the op ``op`` with these inputs and settings
    (``MulBackward0``, ``SelectBackward0``), or the op's own name where PyTorch has no op of
    the same meaning (a drawing always shows the op's own name)."""
    if op in _BY_ARGUMENTS and inputs and params is not None:  # (what backward freed: the plain name)
        return _BY_ARGUMENTS[op](inputs, params)
    return _BACKWARD_NAMES.get(op, op)
