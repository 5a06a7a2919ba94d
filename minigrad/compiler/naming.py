"""Names in generated code: a tensor is called by its label (``logprobs``), its gradient
``d`` and the name (``dlogprobs``), as in the lecture; an unlabelled tensor by its op and a
number (``matmul1``); an array setting by the name the caller gave it, or the setting's
name and a number (``index1``, ``running_mean1``). ``code`` writes any setting as Python source."""

import keyword
import re
from collections import Counter

import numpy as np

from ..tensor import Tensor

__all__ = ["Names", "RESERVED"]

RESERVED = {"np", "rules", "reduce_to_shape", "grad_fns"}


def _identifier(text):
    """``text`` as a Python name: a Sequential's ``0.weight`` is ``layer0_weight``."""
    name = re.sub(r"\W", "_", text) or "t"
    if name[0].isdigit():
        name = "layer" + name
    return name + "_" if keyword.iskeyword(name) else name


def _float_code(value):
    """A float as source: ``(1 / 31)`` for the reciprocal of an integer that would take
    all 17 digits (a mean's 1/n), and numpy's names for inf and nan."""
    if not np.isfinite(value):
        return "np.nan" if np.isnan(value) else "np.inf" if value > 0 else "-np.inf"
    if value and len(repr(value)) > 12 and abs(1 / value) < 2 ** 53 and 1 / round(1 / value) == value:
        return f"(1 / {round(1 / value)})"
    return repr(value)


class Names:
    """The name of every tensor and array that generated code refers to, and the values
    behind them (``values``: name -> what the name stands for)."""

    def __init__(self, given=None):
        self.values = {}
        self._by_id = {}
        self._taken = set(RESERVED)
        self._counts = Counter()
        self._aliased = []
        self._later = {}
        self._settled = {}  # stand-in -> the name it was given early (settle)
        for name, obj in (given or {}).items():
            self._add(_identifier(name), obj)

    def _add(self, name, obj):
        self._taken.add(name)
        self._by_id[id(obj)] = name
        self.values[name] = obj
        return name

    def _fresh(self, base, numbered=False):
        """``base`` if free, else ``base`` with the next number (always numbered if asked)."""
        if not numbered and base not in self._taken and "d" + base not in self._taken:
            return base
        while True:
            self._counts[base] += 1
            name = f"{base}{self._counts[base]}" if numbered else f"{base}_{self._counts[base] + 1}"
            if name not in self._taken and "d" + name not in self._taken:
                return name

    def bind(self, obj, name):
        """Call ``obj`` ``name`` (or ``name`` with a number, if it is taken)."""
        return self._add(self._fresh(_identifier(name)), obj)

    def alias(self, array, name):
        """Call ``array`` (an op's result, an input's array) by the name already given to the
        value it holds, wherever it appears as a setting."""
        self._by_id[id(array)] = name
        self._aliased.append(array)  # held, so that its id stays its own

    def fresh(self, base):
        """A new name, ``base`` and a number, for a value made by the code itself."""
        name = self._fresh(base, numbered=True)
        self._taken.add(name)
        return name

    def known(self, obj):
        """The name ``obj`` has, or None."""
        return self._by_id.get(id(obj))

    def of(self, obj, hint="index"):
        """The name of a tensor or an array (of the setting ``hint``), made the first time
        it is asked for."""
        name = self._by_id.get(id(obj))
        if name is not None:
            return name
        if isinstance(obj, Tensor):
            return self._add(self._tensor_name(obj), obj)
        return self._add(self._fresh(hint, numbered=True), obj)

    def _tensor_name(self, tensor):
        return self._fresh(_identifier(tensor.label)) if tensor.label else self._fresh(tensor.op or "t", numbered=True)

    def later(self, tensor):
        """A stand-in for ``tensor``'s name, given by ``resolve`` once the code is written:
        mg.compile sees an op's output before the user labels it (``h.label = "h"``)."""
        token = f"\x00{len(self._later)}\x00"
        self._later[token] = tensor
        self._by_id[id(tensor)] = token
        return token

    def settle(self, tensor):
        """Name ``tensor`` now, as it is (its op, its label), if it still has a stand-in: an
        in-place write is about to make it another op's result (``repoint``)."""
        token = self._by_id.get(id(tensor))
        if token in self._later:
            self._settled[token] = self._add(self._tensor_name(tensor), tensor)

    def repoint(self, tensor, value):
        """Call ``tensor`` from here on by ``value``'s name (the op its in-place write became);
        what was written before keeps the name ``settle`` gave it."""
        self._by_id[id(tensor)] = self._by_id[id(value)]

    def resolve(self, text):
        """``text`` with each stand-in replaced by its tensor's name, in the order they appear."""
        def name(match):
            token = match.group(0)
            if token in self._settled:
                return self._settled[token]
            tensor = self._later[token]
            if self._by_id[id(tensor)] == token:
                self._add(self._tensor_name(tensor), tensor)
            return self._by_id[id(tensor)]
        return re.sub("\x00[0-9]+\x00", name, text)

    def grad(self, tensor):
        """The name of ``tensor``'s gradient: ``d`` and its name."""
        name = "d" + self.of(tensor)
        self._taken.add(name)
        return name

    def code(self, value, dim=False, hint="index"):
        """``value`` (a tensor, an array or a setting, named ``hint``) as Python source."""
        if isinstance(value, Tensor):
            return self.of(value)
        if isinstance(value, np.ndarray):
            known = self.known(value)  # a step's input or an op's result: its values change each call
            if known is None and value.ndim == 1 and value.dtype.kind in "iu" and not value.flags.writeable \
                    and np.array_equal(value, np.arange(len(value))):
                return f"np.arange({len(value)})"  # the lecture's range(n), made read-only by arguments.index
            return known or self.of(value, hint)
        if isinstance(value, (np.dtype, type)) and value is not type(None):
            return f"np.{np.dtype(value).name}"
        if isinstance(value, np.generic):
            return self.code(value.item())
        if isinstance(value, float):
            return _float_code(value)
        if isinstance(value, tuple):
            if dim and len(value) == 1:
                return self.code(value[0])
            inner = ", ".join(self.code(part) for part in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, list):
            return "[" + ", ".join(self.code(part) for part in value) + "]"
        if isinstance(value, slice):
            return f"slice({self.code(value.start)}, {self.code(value.stop)}, {self.code(value.step)})"
        if value is Ellipsis:
            return "..."
        return repr(value)

    def index_code(self, index):
        """An index as written inside brackets: ``C[Xb]``, ``x[:, 0:3]``, ``logprobs[np.arange(32), Yb]``."""
        parts = index if isinstance(index, tuple) else (index,)
        written = []
        for part in parts:
            if isinstance(part, slice):
                ends = ["" if end is None else self.code(end) for end in (part.start, part.stop)]
                written.append(":".join(ends) + ("" if part.step is None else f":{self.code(part.step)}"))
            else:
                written.append(self.code(part))
        return ", ".join(written) + ("," if isinstance(index, tuple) and len(index) == 1 else "")
