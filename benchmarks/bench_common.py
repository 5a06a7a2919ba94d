"""What the benchmark scripts share: their parser, a --threads option that sets the BLAS
thread count before numpy is first imported, the repository's folders on the import path,
and PyTorch (the yardstick) where it is installed. The scripts run as
``python benchmarks/X.py``, so this module, beside them, is on their import path; they
import it before numpy and minigrad.
"""

import argparse
import os
import sys

__all__ = ["add_threads", "import_from", "import_jax", "import_torch", "parse_args", "parser"]

HERE = os.path.dirname(os.path.abspath(__file__))
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def parser(doc):
    """A parser described by the first paragraph of the script's ``doc``."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0])


def add_threads(parser):
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")


def parse_args(parser):
    """The command line's options, with --threads set for BLAS (read when numpy is first imported)."""
    args = parser.parse_args()
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(args.threads)
    return args


def import_from(folder):
    """Lets the script import the modules of the repository's ``folder`` (examples, tests)."""
    sys.path.insert(0, os.path.join(HERE, "..", folder))


def import_torch(threads):
    """PyTorch set to ``threads`` threads, or None where it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def import_jax(threads):
    """JAX (the ``benchmark`` extra) on the CPU with XLA's thread pool of one thread when
    ``threads`` is 1, or None where it is not installed."""
    if threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
    except ImportError:
        return None
    return jax
