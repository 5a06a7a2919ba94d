"""What every test module shares: the examples folder on sys.path, so that tests import
the lecture's model (examples/lecture.py) and the example (examples/makemore.py) as
modules, the way the example itself and docs/backprop-ninja.md do."""

import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
