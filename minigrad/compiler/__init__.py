"""The compiler: a recorded graph's backward as numpy code (``explain``)."""

from .explain import Explanation, explain

__all__ = ["explain", "Explanation"]
