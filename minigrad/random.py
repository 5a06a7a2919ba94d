"""PyTorch's CPU random streams (torch 2.x) on numpy, so that a seed gives PyTorch's numbers.

PyTorch's CPU generator is a Mersenne Twister (mt19937) seeded with the low 32 bits of the
seed; numpy's ``MT19937`` seeded the legacy way yields the same 32-bit words, and the
functions below turn them into numbers the way ATen's CPU kernels do. This module imports only
numpy and the standard library; ``creation`` wraps its arrays into tensors.
"""

import math
import os
from fractions import Fraction

import numpy as np

from .state import tracer

__all__ = ["Generator", "default_generator", "manual_seed", "DEFAULT_SEED", "STATE_SIZE",
           "uniform", "normal", "randint", "randperm", "exponential", "bernoulli", "multinomial", "draw"]

DEFAULT_SEED = 67280421310721  # c10's default_rng_seed_val, the seed of a new torch.Generator
STATE_SIZE = 5056  # bytes of torch's CPUGeneratorImplState, the layout of get_state()
_WORDS = 624  # the twister's state, in 32-bit words
_STATE_LAYOUT = np.dtype([
    ("the_initial_seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"),
    ("state", "<u8", (_WORDS,)), ("normal_x", "<f8"), ("normal_y", "<f8"), ("normal_rho", "<f8"),
    ("normal_is_valid", "<i4"), ("next_float_normal_sample", "<f4"),
    ("is_next_float_normal_sample_valid", "u1")], align=True)
_UINT64 = 2 ** 64
_LARGE_RANGE = 2 ** 28  # from here randint takes 64-bit words (public builds of torch)
_LARGE_PERMUTATION = (2 ** 32 - 1) // 20  # from here randperm takes 64-bit words


class Generator:
    """A random generator whose numbers are PyTorch's CPU generator's for the same seed and
    the same sequence of calls (``torch.Generator``)."""

    def __init__(self):
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart the stream from ``seed`` (an int, negative ones taken modulo 2**64); returns
        the generator, as in PyTorch."""
        self._seed = int(seed) % _UINT64
        self._bits = np.random.MT19937(0)
        self._bits._legacy_seeding(self._seed & 0xFFFFFFFF)  # mt19937 takes the low 32 bits
        self._words = np.random.Generator(self._bits)  # the same stream, for 64-bit words
        self._cached_normal = None  # the sine half of the last scalar Box-Muller pair
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little"))
        return self._seed

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self):
        """The state as a uint8 array of 5056 bytes laid out as torch's ``get_state()`` tensor,
        so ``torch.Generator().set_state(torch.from_numpy(g.get_state()))`` continues this stream."""
        record = np.zeros((), _STATE_LAYOUT)
        mt = self._bits.state["state"]
        record["the_initial_seed"], record["seeded"] = self._seed, 1
        record["left"], record["next"] = _WORDS + 1 - mt["pos"], mt["pos"]
        record["state"] = mt["key"]
        if self._cached_normal is not None:
            record["normal_y"], record["normal_is_valid"] = self._cached_normal, 1
        return np.frombuffer(record.tobytes(), np.uint8).copy()

    def set_state(self, state):
        """Continue from a state of ``get_state()`` (or of torch's, as bytes or a uint8 array)."""
        raw = np.asarray(state, dtype=np.uint8).reshape(-1)
        if raw.size != STATE_SIZE:
            raise ValueError(f"Generator.set_state: expected {STATE_SIZE} bytes, got {raw.size}")
        record = np.frombuffer(raw.tobytes(), _STATE_LAYOUT)[0]
        self._seed = int(record["the_initial_seed"])
        pos = _WORDS + 1 - int(record["left"])  # torch's `next` is stale right after seeding
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": record["state"].astype(np.uint32), "pos": pos}}
        self._cached_normal = float(record["normal_y"]) if record["normal_is_valid"] else None
        return self

    def words32(self, count):
        """The next ``count`` 32-bit words, as uint64 (torch's ``random()``)."""
        return self._bits.random_raw(count)

    def words64(self, count):
        """The next ``count`` 64-bit words, each from two 32-bit ones, the first high
        (torch's ``random64()``): numpy's full-range 64-bit integers of the same twister are
        made that way, six times as fast as pairing 32-bit words here."""
        return self._words.integers(0, _UINT64, size=count, dtype=np.uint64)

    def scalar_normal(self):
        """One standard normal as ``at::normal_distribution<double>``: Box-Muller on two 53-bit
        uniforms, returning the cosine half and caching the sine half for the next call."""
        if self._cached_normal is not None:
            value, self._cached_normal = self._cached_normal, None
            return value
        u1, u2 = _unit_doubles(self.words64(2)).tolist()
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self._cached_normal = radius * math.sin(theta)
        return radius * math.cos(theta)


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator and return it (``torch.manual_seed``)."""
    return default_generator.manual_seed(seed)


def _unit_doubles(words64):
    return (words64 & np.uint64(2 ** 53 - 1)).astype(np.float64) * 2.0 ** -53


def _unit_floats(words32):
    return (words32 & np.uint64(2 ** 24 - 1)).astype(np.float32) * np.float32(2.0 ** -24)


def _units(generator, count, dtype):
    """``count`` uniforms on [0, 1): 24 bits of a 32-bit word for float32 (and narrower),
    53 bits of a 64-bit word for float64."""
    if dtype == np.float64:
        return _unit_doubles(generator.words64(count))
    return _unit_floats(generator.words32(count))


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def uniform(generator, shape, dtype, low=0.0, high=1.0):
    """Uniform numbers on [low, high) (``torch.rand``, ``Tensor.uniform_``)."""
    dtype = np.dtype(dtype)
    units = _units(generator, _size(shape), dtype)
    return _affine(units, dtype.type(high) - dtype.type(low), dtype.type(low), dtype).reshape(shape)


def _affine(values, scale, shift, dtype):
    """``values * scale + shift`` rounded once, as the compiled kernels' fused multiply-add."""
    if (scale, shift) == (1, 0):
        return values.astype(dtype)
    if dtype != np.float64:  # float64 holds the float32 product exactly
        return (values.astype(np.float64) * np.float64(scale) + np.float64(shift)).astype(dtype)
    scale, shift = Fraction(float(scale)), Fraction(float(shift))
    exact = (float(Fraction(value) * scale + shift) for value in values.reshape(-1).tolist())
    return np.fromiter(exact, np.float64, values.size).reshape(values.shape)


def normal(generator, shape, dtype, mean=0.0, std=1.0):
    """Normal numbers (``torch.randn``, ``Tensor.normal_``): Box-Muller over blocks of 16
    uniforms when there are 16 or more, one at a time below that."""
    dtype = np.dtype(dtype)
    size = _size(shape)
    if size < 16:
        values = np.array([generator.scalar_normal() for _ in range(size)], dtype=np.float64)
        return _affine(values, std, mean, np.dtype(np.float64)).astype(dtype).reshape(shape)
    units = _units(generator, size - size % 16, dtype)
    generator.words32(size % 16 * (2 if dtype == np.float64 else 1))  # drawn, then overwritten
    values = _box_muller(units, dtype)
    if size % 16:  # the last 16 are redrawn as one block, overlapping the block before
        values = np.concatenate([values[:size - 16], _box_muller(_units(generator, 16, dtype), dtype)])
    return _affine(values, dtype.type(std), dtype.type(mean), dtype).reshape(shape)


def _box_muller(units, dtype):
    """Blocks of 16 uniforms to 16 normals, pairs (j, j + 8) giving the cosine and sine
    halves, computed as ATen does: float32 by its AVX2 kernel, float64 with the C library."""
    blocks = units.reshape(-1, 2, 8)
    if dtype == np.float64:
        radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - blocks[:, 0]))
        theta = 2.0 * math.pi * blocks[:, 1]
        cos, sin = _libm(math.cos, theta), _libm(math.sin, theta)
    else:
        radius = np.sqrt(np.float32(-2) * _avx_log(np.float32(1) - blocks[:, 0]))
        theta = np.float32(2 * math.pi) * blocks[:, 1]
        cos, sin = _avx_cos_sin(theta)
    return np.stack([radius * cos, radius * sin], axis=1).reshape(-1).astype(dtype)


def _libm(function, values):
    """``function`` of each value through the C library, as ATen calls it; numpy's own
    vectorised log differs from it in the last bit."""
    flat = values.reshape(-1).tolist()
    return np.fromiter(map(function, flat), np.float64, len(flat)).reshape(values.shape)


def _fused(a, b, c):
    """``a * b + c`` rounded once to float32, as a fused multiply-add (float64 holds the product exactly)."""
    return (np.asarray(a, np.float64) * np.float64(b) + np.asarray(c, np.float64)).astype(np.float32)


def _polynomial(x, coefficients):
    result = np.full_like(x, coefficients[0])
    for coefficient in coefficients[1:]:
        result = _fused(result, x, np.float32(coefficient))
    return result


_LOG_COEFFICIENTS = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
                     -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)
_COS_COEFFICIENTS = (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)
_SIN_COEFFICIENTS = (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)


def _avx_log(x):
    """float32 log as ``log256_ps`` of ATen's avx_mathfun.h (cephes), step by step, with the
    multiply-adds the compiler fuses; positive normal inputs only."""
    f32 = np.float32
    bits = x.view(np.int32)
    exponent = ((bits >> 23) - 0x7F).astype(f32) + f32(1)
    mantissa = ((bits & ~0x7F800000) | 0x3F000000).view(f32)  # in [0.5, 1)
    small = mantissa < f32(0.707106781186547524)
    x = (mantissa - f32(1)) + np.where(small, mantissa, f32(0))
    exponent = exponent - small.astype(f32)
    z = x * x
    y = _polynomial(x, _LOG_COEFFICIENTS) * x * z
    y = _fused(exponent, f32(-2.12194440e-4), y)
    y = y - z * f32(0.5)
    return _fused(exponent, f32(0.693359375), x + y)


def _avx_cos_sin(x):
    """float32 cosine and sine as ``sincos256_ps`` of avx_mathfun.h, for x >= 0."""
    f32 = np.float32
    octant = ((x * f32(1.27323954473516)).astype(np.int32) + 1) & ~1
    y = octant.astype(f32)
    for part in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = x + y * f32(part)  # pi/4 in three parts, for an exact reduction
    z = x * x
    cos_poly = _polynomial(z, _COS_COEFFICIENTS) * z * z - z * f32(0.5) + f32(1)
    sin_poly = _fused(_polynomial(z, _SIN_COEFFICIENTS) * z, x, x)
    swapped = (octant & 2) != 0
    cos = np.where(swapped, sin_poly, cos_poly)
    sin = np.where(swapped, cos_poly, sin_poly)
    cos = np.where((~(octant - 2) & 4) != 0, -cos, cos)
    sin = np.where((octant & 4) != 0, -sin, sin)
    return cos, sin


def randint(generator, low, high, shape, dtype=np.int64):
    """Integers in [low, high) (``torch.randint``): a 32-bit word modulo the range, or a
    64-bit one from a range of 2**28 on."""
    span = int(high) - int(low)
    if span <= 0:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    count = _size(shape)
    words = generator.words64(count) if span >= _LARGE_RANGE else generator.words32(count)
    return ((words % np.uint64(span)).astype(np.int64) + int(low)).astype(dtype).reshape(shape)


def randperm(generator, n, dtype=np.int64):
    """A random permutation of 0..n-1 (``torch.randperm``): ATen's Fisher-Yates walk, swapping
    place i with i + (word % (n - i)); from n = (2**32 - 1) // 20 on, its inside-out variant
    on 64-bit words. The swaps are sequential, so this is a Python loop over n."""
    if n < _LARGE_PERMUTATION:
        picks = (generator.words32(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        order = list(range(n))
        for i, pick in enumerate(picks):
            order[i], order[i + pick] = order[i + pick], order[i]
    else:
        picks = (generator.words64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        order = [0] * n
        for i, pick in enumerate(picks):
            order[i], order[pick] = order[pick], i
    return np.array(order, dtype=dtype)


def exponential(generator, shape, dtype, rate=1.0):
    """Exponential numbers (``Tensor.exponential_``): -log1p(-u) / rate with u a 53-bit uniform,
    in float64 whatever the dtype."""
    units = _unit_doubles(generator.words64(_size(shape)))
    return (-1.0 / rate * _libm(math.log1p, -units)).astype(dtype).reshape(shape)


def bernoulli(generator, p, shape, dtype=np.bool_):
    """1 with probability ``p``, else 0, from a 53-bit uniform u each, as ATen's default kernel
    (u < p), compared as integers: u = k / 2**53 < p exactly when k < ceil(p * 2**53)."""
    threshold = min(max(math.ceil(p * 2.0 ** 53), 0), 2 ** 53)
    keep = (generator.words64(_size(shape)) & np.uint64(2 ** 53 - 1)) < np.uint64(threshold)
    return keep.reshape(shape) if dtype == np.bool_ else keep.astype(dtype).reshape(shape)


def multinomial(generator, weights, num_samples, replacement):
    """Indices drawn per row of ``weights`` (1-D or 2-D, non-negative, not all zero), as
    ``torch.multinomial``: without replacement, or for one sample, the largest weight / q with
    q exponential (argmax, or a stable sort for several); with replacement, a binary search of
    one 53-bit uniform per sample in the row's normalised running sum."""
    rows = np.atleast_2d(weights)
    if not replacement or num_samples == 1:
        keys = rows / exponential(generator, rows.shape, rows.dtype)
        if num_samples == 1:
            drawn = np.argmax(keys, axis=1)[:, None]
        else:
            drawn = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        drawn = np.stack([_search_running_sum(generator, row, num_samples) for row in rows])
    return drawn if weights.ndim > 1 else drawn[0]


def _search_running_sum(generator, row, num_samples):
    running = np.cumsum(row, dtype=row.dtype)
    running = running / running[-1]
    running[-1] = 1  # the last bucket ends at 1 exactly
    units = _unit_doubles(generator.words64(num_samples))
    return np.searchsorted(running.astype(np.float64), units, side="left")


# ----- the one dispatch of every random function: minigrad's streams, or numpy's -----

def _numpy_multinomial(rng, weights, num_samples, replacement):
    rows = np.atleast_2d(weights).astype(np.float64)
    drawn = np.stack([rng.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum()) for row in rows])
    return drawn if weights.ndim > 1 else drawn[0]


_STREAMS = {"normal": normal, "uniform": uniform, "randint": randint, "randperm": randperm, "multinomial": multinomial,
            "bernoulli": bernoulli}
_NUMPY_DRAWS = {
    "normal": lambda rng, shape, dtype, mean=0.0, std=1.0: (rng.standard_normal(shape, dtype=dtype) if (mean, std) == (0.0, 1.0)
                                                          else rng.normal(mean, std, shape).astype(dtype)),
    "uniform": lambda rng, shape, dtype, low=0.0, high=1.0: (rng.random(shape, dtype=dtype) if (low, high) == (0.0, 1.0)
                                                           else rng.uniform(low, high, shape).astype(dtype)),
    "randint": lambda rng, low, high, shape, dtype: rng.integers(low, high, size=shape, dtype=dtype),
    "randperm": lambda rng, n, dtype: rng.permutation(n).astype(dtype),
    "multinomial": _numpy_multinomial,
    "bernoulli": lambda rng, p, shape: rng.random(shape) < p,
}


def draw(kind, name, generator, *args):
    """Samples as an ndarray from ``minigrad.random`` (PyTorch's streams) or, given a
    ``numpy.random.Generator``, from numpy; ``name`` is the caller's, for the error."""
    recorder = tracer()
    if recorder is not None and not recorder.replaying:  # mg.compile is tracing: the compiled step draws again
        return recorder.random(_drawn, kind, name, generator, *args, name=name)
    return _drawn(kind, name, generator, *args)


def _drawn(kind, name, generator, *args):
    if isinstance(generator, np.random.Generator):
        return _NUMPY_DRAWS[kind](generator, *args)
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{name}: generator must be a minigrad.Generator or a numpy.random.Generator, "
                        f"not {type(generator).__name__}")
    return _STREAMS[kind](generator or default_generator, *args)
