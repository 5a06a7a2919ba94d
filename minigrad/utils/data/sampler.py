"""Samplers: the order in which a DataLoader visits a dataset's indices.

``RandomSampler`` draws exactly as PyTorch's does, so that a seed gives PyTorch's batches:
without a generator it first takes a seed from the default generator (one 64-bit word,
as ``torch.empty((), dtype=torch.int64).random_()``) and starts a new generator from it;
then ``randperm(n)`` per pass, or with replacement ``randint(n)`` in chunks of 32.
"""

import itertools

import numpy as np

from ...random import Generator, draw

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "BatchSampler", "fresh_seed"]

_CHUNK = 32  # PyTorch's RandomSampler draws with replacement 32 indices at a time
_INT64_RANGE = 2 ** 63  # random_() on an int64 tensor: a 64-bit word modulo 2**63


def fresh_seed(generator, name):
    """A seed drawn as PyTorch's ``torch.empty((), dtype=torch.int64).random_(generator=...)``."""
    return int(draw("randint", name, generator, 0, _INT64_RANGE, (), np.int64))


class Sampler:
    """The base of samplers: an iterable of dataset indices (or of lists of them)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__ to be a Sampler")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices in a random order (a new permutation per pass over the data), or with
    ``replacement=True`` ``num_samples`` indices drawn independently."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be True or False, not {replacement!r}")
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples must be a positive int, not {self.num_samples!r}")

    @property
    def num_samples(self):
        """``num_samples`` as given, else the dataset's length (read at each use, as PyTorch)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = Generator().manual_seed(fresh_seed(None, "RandomSampler"))
        if self.replacement:
            yield from self._with_replacement(generator, n)
        else:
            for _ in range(self.num_samples // n):
                yield from draw("randperm", "RandomSampler", generator, n, np.int64).tolist()
            yield from draw("randperm", "RandomSampler", generator, n, np.int64).tolist()[:self.num_samples % n]

    def _with_replacement(self, generator, n):
        for size in itertools.chain(itertools.repeat(_CHUNK, self.num_samples // _CHUNK), [self.num_samples % _CHUNK]):
            yield from draw("randint", "RandomSampler", generator, 0, n, (size,), np.int64).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last one shorter, or dropped
    with ``drop_last=True``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size must be a positive int, not {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last must be True or False, not {drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
