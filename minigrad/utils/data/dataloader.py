"""The DataLoader: batches of a map-style dataset, in the calling process.

It draws from the random streams exactly as PyTorch's single-process loader does: each
``iter(loader)`` takes one seed from ``generator`` (the default generator without one) for
worker processes that minigrad never starts, then the sampler draws its order. So the same
seed gives the same batches as PyTorch, and the stream after a pass is PyTorch's too.
"""

import itertools
import warnings

from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, fresh_seed

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """None: the code runs in the calling process, never in a worker (as PyTorch there)."""
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples put together by
    ``collate_fn`` (``default_collate``), in the order of ``sampler``, a random one with
    ``shuffle=True`` (drawing from ``generator``), or of ``batch_sampler``; ``drop_last``
    drops a short last batch; ``batch_size=None`` gives single samples, converted to tensors.
    Only ``num_workers=0``: minigrad loads in the calling process."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        _check_workers(num_workers, prefetch_factor, persistent_workers, timeout)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        self._streams = isinstance(dataset, IterableDataset)
        if self._streams:
            _check_stream_options(shuffle=shuffle, sampler=sampler, batch_sampler=batch_sampler)
            sampler = itertools.repeat(None)  # PyTorch's infinite sampler: the stream decides the end
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last, self.generator = dataset, batch_size, drop_last, generator
        self.sampler, self.batch_sampler, self.num_workers = sampler, batch_sampler, num_workers
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)

    def __iter__(self):
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        indices = iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # lazy: no draw yet
        fresh_seed(self.generator, "DataLoader")  # PyTorch's workers' base seed: drawn, then unused here
        return self._stream_batches() if self._streams else self._batches(indices)

    def _stream_batches(self):
        samples = iter(self.dataset)  # made at iter(loader), after the seed, as in PyTorch
        if self.batch_size is not None:
            samples = BatchSampler(samples, self.batch_size, self.drop_last)
        return map(self.collate_fn, samples)

    def _batches(self, indices):
        for index in indices:
            if self.batch_sampler is not None:
                yield self.collate_fn([self.dataset[i] for i in index])
            else:
                yield self.collate_fn(self.dataset[index])

    def __len__(self):
        if self._streams:  # the dataset's own length, if it has one, in batches
            if self.batch_size is None:
                return len(self.dataset)
            whole, part = divmod(len(self.dataset), self.batch_size)
            return whole + (1 if part and not self.drop_last else 0)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


def _check_stream_options(**options):
    for name, value in options.items():
        if value not in (None, False):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                             f"but got {name}={value!r}")


def _check_workers(num_workers, prefetch_factor, persistent_workers, timeout):
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers must be a non-negative int, not {num_workers!r}; "
                         "use num_workers=0 to disable multiprocessing")
    if num_workers > 0:
        raise ValueError(f"DataLoader: num_workers={num_workers}, but minigrad loads batches in the calling "
                         "process only: pass num_workers=0 (the batches are the same as PyTorch's with workers)")
    if prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing; "
                         "with num_workers=0 set prefetch_factor to None")
    if persistent_workers:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0, which minigrad does not have")
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, not {timeout!r}")
