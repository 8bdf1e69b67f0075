"""Growable numpy buffers for chart series (Qt-free).

A chart series only ever appends; pyqtgraph wants whole numpy arrays, so each series keeps one
preallocated array per column that doubles when full and hands out views ``[:n]`` (no copies).
"""

from __future__ import annotations

import numpy as np

INITIAL_CAPACITY = 256


class GrowBuffer:
    """Columns of float64 that grow by doubling; ``view(col)`` returns the filled part."""

    def __init__(self, columns: int = 2, capacity: int = INITIAL_CAPACITY) -> None:
        self._data = np.full((columns, max(1, capacity)), np.nan, dtype=np.float64)
        self._n = 0
        self.version = 0
        self.edits = 0  # changes other than appends (set, clear): readers that cache by length rebuild

    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> int:
        return self._data.shape[0]

    def _reserve(self, extra: int) -> None:
        need = self._n + extra
        cap = self._data.shape[1]
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        grown = np.full((self._data.shape[0], cap), np.nan, dtype=np.float64)
        grown[:, : self._n] = self._data[:, : self._n]
        self._data = grown

    def append(self, *values: float) -> int:
        """Append one row; returns its index."""
        self._reserve(1)
        self._data[:, self._n] = values
        self._n += 1
        self.version += 1
        return self._n - 1

    def extend(self, rows: np.ndarray) -> None:
        """Append many rows at once (shape ``(columns, k)``)."""
        rows = np.asarray(rows, dtype=np.float64)
        k = rows.shape[1]
        self._reserve(k)
        self._data[:, self._n : self._n + k] = rows
        self._n += k
        self.version += 1

    def set(self, row: int, col: int, value: float) -> None:
        self._data[col, row] = value
        self.version += 1
        self.edits += 1

    def get(self, row: int, col: int) -> float:
        return float(self._data[col, row])

    def view(self, col: int) -> np.ndarray:
        return self._data[col, : self._n]

    def clear(self) -> None:
        self._n = 0
        self._data[:] = np.nan
        self.version += 1
        self.edits += 1

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)
