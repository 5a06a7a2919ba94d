"""The text of a drawing's labels: escaped for DOT, records for tensors, and an op's
arguments in a few short lines, as ``sum(dim=1, keepdim)`` or ``getitem[:, ·]``.

Labels are plain text or records, not HTML-like: the in-process Graphviz build has no
HTML-like labels (it draws the node's id instead)."""

import textwrap

import graphviz
import numpy as np

from ..tensor import Tensor
from .layout import DATA_PARAMS

__all__ = ["escape", "op_lines", "plain_label", "record_label", "shape_text", "value_summary"]


RECORD_SPECIALS = '"{}|<>'


def escape(text, specials='"'):
    """Text as it must stand in a quoted DOT label to show as itself: backslashes
    doubled, & as an entity (Graphviz reads entities in any label), ``specials``
    behind a backslash, and no line breaks."""
    text = str(text).replace("\\", "\\\\").replace("&", "&amp;").replace("\n", " ")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text


def plain_label(lines):
    # nohtml: the graphviz package would pass on a label written <...> as HTML-like
    return graphviz.nohtml("\\n".join(escape(line) for line in lines))


def record_label(fields, rankdir):
    """Fields one above another with a line between: a record's top level is a column
    when ranks run left to right, a row otherwise (then braces turn it)."""
    text = "|".join(escape(field, RECORD_SPECIALS) for field in fields)
    return graphviz.nohtml(text if rankdir in ("LR", "RL") else "{" + text + "}")


def shape_text(array):
    shape = "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"
    return f"{shape} {array.dtype}"


def _number(value):
    """A Python number, floats to 4 significant digits and still looking like floats (2.0)."""
    return repr(float(f"{value:.4g}")) if isinstance(value, float) else str(value)


def value_summary(kind, array):
    if array.size == 0:
        return f"{kind}: empty"
    if array.size == 1:
        return f"{kind}: {_number(array.item())}"
    values = array.astype(np.float64)
    return f"{kind}: mean {values.mean():.2g}, std {values.std():.2g}, max abs {np.abs(values).max():.2g}"


def _argument(name, value):
    """One param of an op as text, or None when it says nothing: False, None, or an
    array (state such as BatchNorm's running statistics, not a setting)."""
    if value is None or value is False or isinstance(value, np.ndarray):
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
    if all(isinstance(part, np.ndarray) for part in parts):
        return ""
    return "[" + ", ".join(_index_part(part) for part in parts) + "]"


def _index_part(part):
    if isinstance(part, np.ndarray):
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
    arguments = [_number(a) for a in tensor.inputs if not isinstance(a, Tensor)]
    arguments += [text for name, value in params.items()
                  if name not in DATA_PARAMS and (text := _argument(name, value)) is not None]
    text = tensor.op + index + (f"({', '.join(arguments)})" if arguments else "")
    return textwrap.wrap(text, 36, break_on_hyphens=False)
