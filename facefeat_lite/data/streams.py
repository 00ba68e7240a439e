"""Counter-based random streams for SynthFaces (notebook `00_data`).

Every random number SynthFaces uses is a pure function of
``(seed, stream name, key, position)``: the data-set seed, the parameter group's stream
("identity", "expression", "pose", "illumination", "nuisance", ...), the key of the thing
being sampled (an identity index, or a sample index) and the position of the number in that
thing's draw. Nothing depends on call order, batch size, thread count or the machine, so

* the same seeds give the same parameters on any machine (splitmix64 on uint64 is exact),
* any group can be re-sampled with the others fixed (change only its stream's seed),
* sample ``j`` of identity ``k`` can be regenerated alone, without rendering the rest.

The hash is splitmix64 (Steele, Lea & Flood 2014), the finaliser used to seed xoshiro.
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Vectorised splitmix64 finaliser on a uint64 array (wrap-around arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLD
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _name_hash(name: str) -> np.uint64:
    """A stable 64-bit hash of a stream name (Python's ``hash`` is salted per process)."""
    return np.uint64(int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little"))


class Stream:
    """Deterministic random numbers for a batch of keys in one named stream.

    ``Stream(seed, "pose", keys)`` gives, for each key (row), an endless sequence of numbers;
    each call (``uniform``, ``normal``, ...) consumes the next ``d`` positions of every row.
    Rows never interact, so a key draws the same numbers whatever else is in the batch.

    >>> a = Stream(0, "pose", [3, 4]).uniform(2)
    >>> b = Stream(0, "pose", [4]).uniform(2)
    >>> bool((a[1] == b[0]).all())
    True
    """

    def __init__(self, seed: int, name: str, keys) -> None:
        keys = np.asarray(keys, dtype=np.int64).reshape(-1)
        if (keys < 0).any():
            raise ValueError("stream keys must be non-negative integers")
        base = _splitmix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ _name_hash(name))
        self._row = _splitmix64(keys.astype(np.uint64) ^ base)  # (N,) one 64-bit state per key
        self._pos = 0

    def __len__(self) -> int:
        return len(self._row)

    def _bits(self, d: int) -> np.ndarray:
        pos = np.arange(self._pos, self._pos + d, dtype=np.uint64)
        self._pos += d
        with np.errstate(over="ignore"):
            return _splitmix64(self._row[:, None] + _splitmix64(pos)[None, :] * _GOLD)  # (N, d)

    def uniform(self, d: int, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
        """(N, d) float32 uniform on [low, high), 53 random bits each before rounding."""
        u = (self._bits(d) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
        return torch.from_numpy(low + (high - low) * u).float()

    def normal(self, d: int) -> torch.Tensor:
        """(N, d) float32 standard normal (Box-Muller on two uniform draws)."""
        u1 = (self._bits(d) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
        u2 = (self._bits(d) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
        return torch.from_numpy(z).float()

    def integers(self, d: int, high: int) -> torch.Tensor:
        """(N, d) int64 uniform on {0, ..., high - 1}."""
        if high < 1:
            raise ValueError("high must be >= 1")
        return torch.from_numpy((self._bits(d) % np.uint64(high)).astype(np.int64))

    def bernoulli(self, d: int, p) -> torch.Tensor:
        """(N, d) float32 0/1 with probability ``p`` (a float or a tensor broadcastable to (N, d))."""
        return (self.uniform(d) < torch.as_tensor(p, dtype=torch.float32)).float()
