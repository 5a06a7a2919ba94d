"""``minigrad.utils.tensorboard.SummaryWriter``, as ``torch.utils.tensorboard``: logs for
TensorBoard, written by the ``tensorboardX`` package (the ``logging`` extra), never by hand.

minigrad's part is only the hand-over: a 0-d tensor logged as a scalar becomes its number,
and any other tensor argument a numpy array, which tensorboardX takes for every method.
"""

import numpy as np

from ..tensor import Tensor

__all__ = ["SummaryWriter"]

_EXTRA = 'pip install "minigrad[logging]"'


def _tensorboardx():
    try:
        import tensorboardX
    except ImportError as error:
        raise ImportError(f"SummaryWriter writes through the tensorboardX package, which is not installed: "
                          f"{_EXTRA} (or pip install tensorboardX)") from error
    return tensorboardX


def _scalar(method, tag, value):
    """A number from a Python number, a numpy scalar or a tensor of one element."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"SummaryWriter.{method}: {tag!r} takes one number, not a tensor of shape "
                             f"{tuple(value.shape)}")
        return value.item()
    return value


def _plain(value):
    """Tensors as numpy arrays, inside dicts, lists and tuples too; anything else as it is."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


class SummaryWriter:
    """Writes event files for TensorBoard into ``log_dir`` (``runs/<time>_<host><comment>``
    without one), with PyTorch's arguments. ``add_scalar``, ``add_scalars``, ``flush``,
    ``close`` and the ``with`` statement are minigrad's; every other method (``add_histogram``,
    ``add_text``, ...) is tensorboardX's, given tensors as numpy arrays."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        self._writer = _tensorboardx().SummaryWriter(logdir=log_dir, comment=comment, purge_step=purge_step,
                                                     max_queue=max_queue, flush_secs=flush_secs,
                                                     filename_suffix=filename_suffix)

    @property
    def log_dir(self):
        """The folder the event files go to."""
        return self._writer.logdir

    def get_logdir(self):
        """The folder the event files go to (tensorboardX's spelling)."""
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None):
        """Log one number (a Python number or a tensor of one element) under ``tag``."""
        self._writer.add_scalar(tag, _scalar("add_scalar", tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers on one chart, each in a run of its own under ``log_dir/main_tag/tag``."""
        numbers = {tag: _scalar("add_scalars", tag, value) for tag, value in tag_scalar_dict.items()}
        self._writer.add_scalars(main_tag, numbers, global_step, walltime)

    def flush(self):
        """Write what is pending to disk."""
        self._writer.flush()

    def close(self):
        """Flush and close the event files."""
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self._writer, name)
        if not callable(method):
            return method
        return lambda *args, **kwargs: method(*_plain(args), **_plain(kwargs))
