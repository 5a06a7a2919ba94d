"""The derivative table: each primitive op's forward and local gradient, side by side.

The vocabulary is PyTorch's derivatives.yaml: ``self`` and ``other`` are the input
arrays, ``result`` the output, ``grad`` the upstream gradient dL/d(result). A rule
returns the result and, per input, ``grad -> dL/d(input)``: upstream gradient times
local gradient (the chain rule); a one-input rule returns a bare function. A gradient
longer than an expression is a named helper in helpers.py. Rules never undo
broadcasting themselves: the engine sums each gradient back to its input's shape
(engine.reduce_to_shape). An input may be a Python scalar; its gradient function is
then never called.

Plain numpy: nothing here imports the rest of minigrad. Every name in ``__all__``
becomes an op (``engine.ops.add``). Names such as ``sum``, ``max``, ``min``, ``abs`` and
``pow`` are ops here: rules must not call the Python builtins of those names.
"""

from . import activations, basic, elementwise, losses, normalization, reductions, shape
from .activations import *  # noqa: F401,F403  (the names listed in __all__)
from .basic import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403

__all__ = (list(basic.__all__) + list(elementwise.__all__) + list(activations.__all__) + list(shape.__all__)
           + list(reductions.__all__) + list(losses.__all__) + list(normalization.__all__))
