"""Nearest neighbours over the recent time window only, so lookups do not grow with the archive.

Vectors live in one preallocated float32 matrix; expired rows are tombstoned and the matrix is
compacted when more than half of it is dead. Search is an exact dot product over the live rows
(vectors are L2-normalised, so it is cosine similarity): with a 72-hour window of a few
thousand to a few tens of thousands of articles this is a few milliseconds, exact, and
deterministic, which an approximate index is not.
"""

from __future__ import annotations

import numpy as np


class WindowIndex:
    def __init__(self, dim: int, capacity: int = 1024):
        self.dim = dim
        self._vecs = np.zeros((capacity, dim), dtype=np.float32)
        self._keys = np.full(capacity, -1, dtype=np.int64)
        self._times = np.zeros(capacity, dtype=np.float64)
        self._alive = np.zeros(capacity, dtype=bool)
        self._row: dict[int, int] = {}
        self._used = 0

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, key: int) -> bool:
        return key in self._row

    def add(self, key: int, vector: np.ndarray, time: float) -> None:
        """Add (or replace) ``key`` with a normalised vector and a POSIX timestamp."""
        if key in self._row:
            self.remove(key)
        if self._used == len(self._keys):
            self._grow()
        row = self._used
        self._vecs[row] = vector
        self._keys[row] = key
        self._times[row] = time
        self._alive[row] = True
        self._row[key] = row
        self._used += 1

    def remove(self, key: int) -> None:
        row = self._row.pop(key, None)
        if row is not None:
            self._alive[row] = False

    def expire(self, before: float) -> list[int]:
        """Drop every entry older than ``before``; returns the dropped keys."""
        used = slice(0, self._used)
        old = self._alive[used] & (self._times[used] < before)
        keys = [int(k) for k in self._keys[used][old]]
        for key in keys:
            self.remove(key)
        if self._used and len(self._row) < self._used // 2:
            self._compact()
        return keys

    def vector(self, key: int) -> np.ndarray:
        return self._vecs[self._row[key]]

    def search(self, vector: np.ndarray, k: int = 20) -> list[tuple[int, float]]:
        """The ``k`` most similar live entries as (key, cosine), best first, ties by key."""
        if not self._row:
            return []
        used = self._used
        sims = self._vecs[:used] @ vector
        sims[~self._alive[:used]] = -np.inf
        k = min(k, len(self._row))
        top = np.argpartition(-sims, k - 1)[:k]
        order = sorted(top, key=lambda r: (-float(sims[r]), int(self._keys[r])))
        return [(int(self._keys[r]), float(sims[r])) for r in order]

    def _grow(self) -> None:
        if len(self._row) < self._used // 2:
            self._compact()
            if self._used < len(self._keys):
                return
        cap = len(self._keys) * 2
        self._vecs = np.resize(self._vecs, (cap, self.dim))
        self._keys = np.resize(self._keys, cap)
        self._times = np.resize(self._times, cap)
        alive = np.zeros(cap, dtype=bool)
        alive[: self._used] = self._alive[: self._used]
        self._alive = alive

    def _compact(self) -> None:
        rows = np.flatnonzero(self._alive[: self._used])
        n = len(rows)
        self._vecs[:n] = self._vecs[rows]
        self._keys[:n] = self._keys[rows]
        self._times[:n] = self._times[rows]
        self._alive[:n] = True
        self._alive[n:] = False
        self._used = n
        self._row = {int(k): i for i, k in enumerate(self._keys[:n])}
