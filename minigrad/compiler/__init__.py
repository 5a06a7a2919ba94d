"""The compiler: a recorded graph's backward as numpy code (``explain``), and a training
step traced once and replayed as generated numpy code (``compile``)."""

from .compiled import CompiledStep, compile
from .explain import Explanation, explain
from .step_code import CompileError

__all__ = ["explain", "Explanation", "compile", "CompiledStep", "CompileError"]
