"""The lecture's data: names, one per line, turned into (context, next character) pairs
exactly as the lecture builds them, and split 80/10/10 after a seeded shuffle."""

import random
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_DATA", "UsageError", "build_dataset", "build_vocab", "read_words", "split_words"]

# makemore's names.txt (32,033 names, MIT licence in names.LICENSE beside it)
DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "names.txt"


class UsageError(Exception):
    """A mistake in the command line or the data: reported in one line, exit status 2."""


def read_words(path=DEFAULT_DATA):
    """One name per line; blank lines are skipped."""
    try:
        with open(path, encoding="utf-8") as file:
            words = [line.strip() for line in file]
    except FileNotFoundError:
        raise UsageError(f"data file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read data file {path}: {error}") from None
    words = [w for w in words if w]
    if not words:
        raise UsageError(f"data file is empty: {path}")
    if any("." in w for w in words):
        raise UsageError(f"data file {path} contains '.', which marks the start and end of a name")
    return words


def build_vocab(words):
    """'.' (index 0, start and end of a name) then the sorted characters."""
    return ["."] + sorted(set("".join(words)))


def build_dataset(words, stoi, block_size):
    """Each character of each name (and the end '.') with the block_size characters before it."""
    X, Y = [], []
    for word in words:
        context = [0] * block_size
        for ch in word + ".":
            if ch not in stoi:
                raise UsageError(f"the name {word!r} has the character {ch!r}, which is not in the "
                                 f"model's vocabulary {''.join(stoi)!r}")
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return np.array(X, dtype=np.int64).reshape(-1, block_size), np.array(Y, dtype=np.int64)


def split_words(words, seed):
    """Shuffle with the seed (as the lecture's random.seed(42); random.shuffle) and split 80/10/10."""
    if len(words) < 10:
        raise UsageError(f"the data has {len(words)} names; the 80/10/10 split needs at least 10")
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]
