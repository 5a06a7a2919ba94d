"""Views of a compiled step's buffers, made once: a buffer is the same array on every call,
so a view of it (``view1 = getitem1.reshape((32, 30))``, ``dlinear2.T``,
``log_probs.reshape(-1)``) is the same view on every call too. The step's code takes them
from its namespace instead of making them again (docs/performance.md, "views made once");
a statement that made one stays in the source as a comment.
"""

import ast
import re
from collections import Counter

import numpy as np

__all__ = ["views_made_once"]

_STATEMENT = re.compile(r"(\w+) = (\w+)\.reshape\(([^()]*|\([^()]*\))\)")
_ASSIGNMENT = re.compile(r"(\w+(?:, \w+)*) = ")
_EXPRESSION = re.compile(r"\b(\w+)(?:\.T\b|\.reshape\(([^()]*|\([^()]*\))\))")


def _shape(arguments):
    """reshape's arguments, written as in the code, as a tuple of ints."""
    value = ast.literal_eval(f"({arguments},)")
    return value[0] if len(value) == 1 and isinstance(value[0], tuple) else value


def _view(array, arguments):
    """``array.T`` (``arguments`` None) or ``array.reshape(arguments)``, if that is a view of it."""
    try:
        view = array.T if arguments is None else array.reshape(_shape(arguments))
    except (ValueError, SyntaxError, TypeError):  # not reshape's arguments as this module reads them
        return None
    return view if view.size and np.shares_memory(view, array) else None


def _view_name(name, arguments, taken):
    """``x_T``, ``x_flat`` (``reshape(-1)``), ``x_96x10``, or with a number: one not in ``taken``."""
    shape = None if arguments is None else _shape(arguments)
    suffix = "T" if shape is None else "flat" if shape == (-1,) else "x".join(str(n) for n in shape).replace("-", "m")
    view, number = f"{name}_{suffix}", 1
    while view in taken:
        view, number = f"{name}_{suffix}{number}", number + 1
    return view


def views_made_once(lines, arrays, taken):
    """``lines`` (the step's statements) with each view of an array of ``arrays`` (name ->
    buffer, made once) taken from ``arrays``, where the view is added under a name not in
    ``taken`` (the names the step's code knows) nor in its lines. A name the code assigns
    more than once is no buffer's view."""
    assigned = Counter(name for match in map(_ASSIGNMENT.match, lines) if match for name in match.group(1).split(", "))
    fixed = {name: array for name, array in arrays.items() if not assigned[name]}
    taken = set(taken) | set(arrays) | set(re.findall(r"\w+", "\n".join(lines)))
    made = {}  # (buffer, reshape's arguments or None for .T) -> the view's name
    out = []
    for line in lines:
        statement = _STATEMENT.fullmatch(line)
        if statement and statement.group(2) in fixed and assigned[statement.group(1)] == 1:
            view = _view(fixed[statement.group(2)], statement.group(3))
            if view is not None:
                fixed[statement.group(1)] = arrays[statement.group(1)] = view
                out.append(f"# {line}: a view made once")
                continue
        out.append(line if line.startswith("#") else _EXPRESSION.sub(lambda m: _made_once(m, fixed, arrays, made, taken),
                                                                     line))
    return out


def _made_once(match, fixed, arrays, made, taken):
    """The name of the view ``match`` takes, made once, or the expression as it was."""
    key = match.group(1), match.group(2)
    if key not in made:
        view = _view(fixed[key[0]], match.group(2)) if key[0] in fixed else None
        if view is None:
            return match.group(0)
        made[key] = _view_name(key[0], match.group(2), taken)
        taken.add(made[key])
        arrays[made[key]] = fixed[made[key]] = view
    return made[key]
