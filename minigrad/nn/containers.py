"""Containers, as in ``torch.nn``: Sequential, ModuleList and ModuleDict. Their modules
are attributes named "0", "1", ... (or by key), so parameters, state dicts and modes
reach them as any submodule: ``layers.0.weight``."""

import operator
from collections import OrderedDict

from .modules import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules by position."""

    def __len__(self):
        return len(list(self.named_children()))

    def __iter__(self):
        return self.children()

    def __getitem__(self, index):
        named = list(self.named_children())
        if isinstance(index, slice):
            return self._from_named(named[index])
        return named[_position(index, len(named))][1]

    def __setitem__(self, index, module):
        named = list(self.named_children())
        self.add_module(named[_position(index, len(named))][0], module)

    def __delitem__(self, index):
        named = list(self.named_children())
        doomed = named[index] if isinstance(index, slice) else [named[_position(index, len(named))]]
        for name, _ in doomed:
            delattr(self, name)
        self._renumber()

    def _renumber(self):
        """Name the modules "0", "1", ... again, in their order (after a deletion or insertion)."""
        modules = list(self.children())
        for name, _ in list(self.named_children()):
            delattr(self, name)
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def _from_named(self, named):
        raise NotImplementedError


def _position(index, length):
    """``index`` (an int, possibly negative) as a position in [0, length); IndexError as torch."""
    index = operator.index(index)  # TypeError for a str or a float, as a list
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range")
    return index % length


class Sequential(_ModuleSequence):
    """Modules applied one after another, named "0", "1", ... (or by the keys of one
    OrderedDict argument). Indexing gives a module; a slice gives a Sequential that keeps
    the names, as in PyTorch."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            named = modules[0].items()
        else:
            named = ((str(index), module) for index, module in enumerate(modules))
        for name, module in named:
            self.add_module(name, module)

    def _from_named(self, named):
        return Sequential(OrderedDict(named))

    def forward(self, x):
        """``x`` through each module in turn."""
        for module in self.children():
            x = module(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules, named "0", "1", ... (a slice is a ModuleList numbered from 0);
    it has no forward: the owner decides how to use them."""

    def __init__(self, modules=None):
        self.extend(modules or ())

    def _from_named(self, named):
        return ModuleList(module for _, module in named)

    def extend(self, modules):
        """Append each of ``modules``; returns self."""
        for module in modules:
            self.append(module)
        return self

    def __iadd__(self, modules):
        return self.extend(modules)

    def insert(self, index, module):
        """Put ``module`` before position ``index``."""
        modules = list(self.children())
        modules.insert(index, module)
        for position, each in enumerate(modules):  # the new last name goes at the end
            self.add_module(str(position), each)


class ModuleDict(Module):
    """A dict of modules by string key (in insertion order); it has no forward."""

    def __init__(self, modules=None):
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return dict(self.named_children())[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self):
        return len(list(self.named_children()))

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, key):
        return key in self.keys()

    def keys(self):
        """The keys, in insertion order."""
        return [name for name, _ in self.named_children()]

    def values(self):
        """The modules, in insertion order."""
        return list(self.children())

    def items(self):
        """(key, module) pairs, in insertion order."""
        return list(self.named_children())

    def update(self, modules):
        """Add or replace modules from a mapping or from (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def pop(self, key):
        """Remove the module of ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self):
        """Remove every module."""
        for key in self.keys():
            del self[key]
