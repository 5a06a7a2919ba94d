"""``Size``: a tensor's shape, a tuple of ints that prints as PyTorch's ``torch.Size``."""

import math

__all__ = ["Size"]


class Size(tuple):
    """A shape: a tuple of ints (``x.shape == (32, 27)`` holds) that prints as PyTorch prints
    its shapes, ``torch.Size([32, 27])``, so that a lecture's output reads the same; inside an
    f-string it reads as a tuple, ``(32, 27)``, as error messages show shapes. Slices, ``+``
    and ``*`` give a Size, as in PyTorch."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __format__(self, spec):
        # in f-strings (error messages: "a tensor of shape (3, 4)") a shape reads as a tuple
        return format(tuple(self).__repr__(), spec)

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, times):
        return Size(tuple(self) * times)

    __rmul__ = __mul__

    def numel(self):
        """The number of elements of a tensor of this shape."""
        return math.prod(self)
