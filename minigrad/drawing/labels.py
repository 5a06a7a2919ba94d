"""The text of a drawing's labels: escaped for DOT, records for tensors, and an op's
arguments in a few short lines, as ``sum(dim=1, keepdim)`` or ``getitem[:, ·]``.

Labels are plain text or records, not HTML-like: the in-process Graphviz build has no
HTML-like labels (it draws the node's id instead)."""

import re
import textwrap

import graphviz
import numpy as np

from ..released import Released
from ..tensor import Tensor
from .layout import ARRAYS, DATA_PARAMS, GRAPH_TENSORS

__all__ = ["NOTES", "escape", "op_lines", "plain_label", "record_label", "shape_text", "tooltip_text", "value_lines", "value_summary"]

# What a box says where a value is not there to show: drawn small and grey (render.py)
DATA_NOT_KEPT = "data not kept"      # an intermediate backward() released, held by nothing else
GRAD_NOT_KEPT = "grad not kept"      # an intermediate without retain_grad(), after backward
NO_GRAD_YET = "no grad yet"          # a leaf or a retaining tensor before backward
NO_GRAD = "no grad"                  # a tensor that does not require grad
NOTES = (DATA_NOT_KEPT, GRAD_NOT_KEPT, NO_GRAD_YET, NO_GRAD)


RECORD_SPECIALS = '"{}|<>'


def _visible(char):
    """A control character as it can be seen (Graphviz stops at NUL, and draws no others)."""
    return " " if char in "\n\r\t" else f"\\x{ord(char):02x}"


def escape(text, specials='"', backslash="\\\\"):
    """Text as it must stand in a quoted DOT label to show as itself: lone surrogates
    (which UTF-8 cannot encode) and control characters as their escapes (``\\udc80``,
    ``\\x00``; line breaks as spaces), each backslash as ``backslash`` (else Graphviz reads
    ``\\N`` as the node's name), & as an entity (Graphviz reads entities in any label),
    ``specials`` behind a backslash."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    text = re.sub(r"[\x00-\x1f\x7f]", lambda match: _visible(match.group()), text)
    text = text.replace("\\", backslash).replace("&", "&amp;")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text


def tooltip_text(text):
    """Text as it must stand in a quoted DOT tooltip to show as itself: Graphviz reads a
    tooltip's escapes twice, so a backslash takes four."""
    return graphviz.nohtml(escape(text, backslash="\\" * 4))


def plain_label(lines):
    # nohtml: the graphviz package would pass on a label written <...> as HTML-like
    return graphviz.nohtml("\\n".join(escape(line) for line in lines))


def record_label(fields, rankdir):
    """Fields one above another with a line between: a record's top level is a column
    when ranks run left to right, a row otherwise (then braces turn it)."""
    text = "|".join(escape(field, RECORD_SPECIALS) for field in fields)
    return graphviz.nohtml(text if rankdir in ("LR", "RL") else "{" + text + "}")


def shape_text(value):
    """``(32, 27) float32`` for an array, a tensor or a stand-in of either."""
    shape = "(" + ", ".join(str(n) for n in value.shape) + ("," if len(value.shape) == 1 else "") + ")"
    return f"{shape} {value.dtype}"


def _number(value):
    """A Python number, floats to 4 significant digits and still looking like floats (2.0)."""
    return repr(float(f"{value:.4g}")) if isinstance(value, float) else str(value)


def value_summary(kind, array):
    """One element as micrograd shows it (``data 0.7071``), else mean, std and largest absolute value."""
    if array.size == 1:
        value = array.item()
        if not isinstance(value, float):
            return f"{kind} {value}"
        # micrograd's four decimals, unless they would hide the number
        return f"{kind} {value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e6 else f"{kind} {value:.4g}"
    if array.size == 0:
        return f"{kind}: empty"
    values = array.astype(np.float64)
    return f"{kind}: mean {values.mean():.2g}, std {values.std():.2g}, max abs {np.abs(values).max():.2g}"


def value_lines(subject, show_data, show_grad):
    """The data and gradient lines of a box: its values, or a note saying why there is none."""
    lines = []
    if show_data:
        data = subject.array if isinstance(subject, Tensor) else subject if isinstance(subject, np.ndarray) else None
        lines.append(DATA_NOT_KEPT if data is None else value_summary("data", data))
    if show_grad:
        lines.append(_grad_line(subject))
    return lines


def _grad_line(subject):
    if isinstance(subject, Tensor):
        grad = None if subject.grad is None else subject.grad.numpy()
        keeps = subject.is_leaf or subject.retains_grad
    elif isinstance(subject, Released):
        grad, keeps = subject.kept_grad, False
    else:  # an array
        return NO_GRAD
    if grad is not None:
        return value_summary("grad", grad)
    if not subject.requires_grad:
        return NO_GRAD
    return NO_GRAD_YET if keeps else GRAD_NOT_KEPT


def _argument(name, value):
    """One param of an op as text, or None when it says nothing: False, None, or an
    array (state such as BatchNorm's running statistics, not a setting)."""
    if value is None or value is False or isinstance(value, ARRAYS):
        return None
    if value is True:
        return name
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    return f"{name}={_number(float(value)) if isinstance(value, (float, np.floating)) else value}"


def _index_text(index):
    """An index without its arrays (they are drawn as nodes): "" when it is all
    arrays, else the basic parts with "·" for each array, as "[:, ·]"."""
    parts = index if isinstance(index, tuple) else (index,)
    if all(isinstance(part, ARRAYS) for part in parts):
        return ""
    return "[" + ", ".join(_index_part(part) for part in parts) + "]"


def _index_part(part):
    if isinstance(part, ARRAYS):
        return "·"
    if isinstance(part, slice):
        text = ":".join("" if n is None else str(n) for n in (part.start, part.stop))
        return text + (f":{part.step}" if part.step is not None else "")
    return "..." if part is Ellipsis else str(part)


def op_lines(tensor):
    """``pow(-0.5)``, ``sum(dim=1, keepdim)``, ``getitem[:, 0]``: the op, its scalar
    inputs and its params, in a few short lines."""
    params = tensor.op_params or {}
    index = "".join(_index_text(params[name]) for name in DATA_PARAMS if name in params)
    arguments = [_number(a) for a in tensor.inputs if not isinstance(a, GRAPH_TENSORS)]
    arguments += [text for name, value in params.items()
                  if name not in DATA_PARAMS and (text := _argument(name, value)) is not None]
    text = tensor.op + index + (f"({', '.join(arguments)})" if arguments else "")
    return textwrap.wrap(text, 36, break_on_hyphens=False)
