"""Array files for model folders: sparse matrices as plain npz (no pickle).

Several scorers keep a scipy CSR matrix (co-occurrence counts, class-to-tag
bridges); they all store it the same way through these two functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse


def save_csr(path: Path, matrix: sparse.spmatrix, dtype: type = np.float32) -> None:
    """Write a sparse matrix as npz arrays (data in `dtype`: float16 halves the size)."""
    m = sparse.csr_matrix(matrix)
    np.savez_compressed(path, data=m.data.astype(dtype), indices=m.indices.astype(np.int32),
                        indptr=m.indptr.astype(np.int64), shape=np.asarray(m.shape, dtype=np.int64))


def load_csr(path: Path) -> sparse.csr_matrix:
    """Read what `save_csr` wrote, as float32."""
    with np.load(path, allow_pickle=False) as z:
        shape = tuple(int(x) for x in z["shape"])
        return sparse.csr_matrix((z["data"].astype(np.float32), z["indices"], z["indptr"]), shape=shape)
