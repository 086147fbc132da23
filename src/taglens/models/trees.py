"""Boosted regression trees as flat numpy arrays: trained with LightGBM, served without it.

LightGBM is a training-time dependency (`taglens[train]`). A fitted ensemble is
turned into five arrays (split feature, threshold, left child, right child, leaf
value) plus each tree's root, stored as npz in the model folder, and evaluated
here with vectorised numpy: every (row, tree) pair walks one level per step, so
a post's few hundred candidates are scored in a handful of array operations.
No pickle, no LightGBM at serving time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from taglens.errors import ModelError


class TreeEnsemble:
    """Sum of binary trees; node i is a leaf when `feature[i] < 0`."""

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
                 value: np.ndarray, roots: np.ndarray, depth: int) -> None:
        self.feature = np.asarray(feature, dtype=np.int32)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.int32)
        self.right = np.asarray(right, dtype=np.int32)
        self.value = np.asarray(value, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int32)
        self.depth = int(depth)
        self._check()

    def _check(self) -> None:
        """Refuse arrays that do not form trees (a damaged or hand-made trees.npz): every
        array one entry per node, children and roots inside them, a leaf its own children."""
        n = len(self.feature)
        if not (len(self.threshold) == len(self.left) == len(self.right) == len(self.value) == n):
            raise ModelError("tree ensemble arrays differ in length")
        for name, ids in (("left", self.left), ("right", self.right), ("roots", self.roots)):
            if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= n):
                raise ModelError(f"tree ensemble: a {name} index points outside its {n} nodes")
        leaf = self.feature < 0
        if np.any(self.left[leaf] != np.flatnonzero(leaf)) or np.any(self.right[leaf] != np.flatnonzero(leaf)):
            raise ModelError("tree ensemble: a leaf must be its own left and right child")
        if self.depth < 0:
            raise ModelError("tree ensemble: negative depth")

    def __len__(self) -> int:
        return len(self.roots)

    def first(self, rounds: int) -> "TreeEnsemble":
        """The ensemble of its first `rounds` trees: boosting is additive, so this is the model
        LightGBM had after that many rounds (how the rounds are re-chosen without retraining)."""
        if rounds < 0:
            raise ModelError(f"rounds must be at least 0, not {rounds}")
        return TreeEnsemble(self.feature, self.threshold, self.left, self.right, self.value,
                            self.roots[:rounds], self.depth)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """One score per row of `x` (rows x features): onnxruntime's TreeEnsemble operator
        (ai.onnx.ml) where it is available, which walks each tree per row in C++ (2.8 times
        the numpy walk on a caption's ~130 candidates, the same sums to the last bit);
        else `predict_numpy`."""
        n = x.shape[0]
        if n == 0 or not len(self.roots):
            return np.zeros(n)
        session = self._session(x.shape[1])
        if session is None:
            return self.predict_numpy(x)
        return session.run(None, {"x": np.ascontiguousarray(x, dtype=np.float64)})[0][:, 0]

    def _session(self, width: int) -> Any:
        """The ensemble as an ONNX TreeEnsemble for `width` input columns, built once per
        width; None where onnx or onnxruntime (or its ai.onnx.ml operator) is missing."""
        sessions = self.__dict__.setdefault("_sessions", {})
        if width not in sessions:
            if int(self.feature.max(initial=-1)) >= width:
                raise ModelError(f"tree ensemble splits on column {int(self.feature.max())}, "
                                 f"but the features have {width}")
            try:
                from taglens.onnxrt import cpu_session

                sessions[width] = cpu_session(self._onnx(width), 1)
            except ModelError:
                raise
            except Exception:  # noqa: BLE001 - no onnx, or an onnxruntime without ai.onnx.ml: numpy walks
                sessions[width] = None
        return sessions[width]

    def _onnx(self, width: int) -> bytes:
        """ai.onnx.ml TreeEnsemble (opset 5): x <= split goes to the true (left) branch, NaN
        to the false one, as LightGBM and `predict_numpy` send it; thresholds and leaf
        values stay float64. A tree that is a single leaf gets one split whose both
        branches are that leaf."""
        from onnx import TensorProto, helper, numpy_helper

        internal = np.flatnonzero(self.feature >= 0)
        leaves = np.flatnonzero(self.feature < 0)
        lone = [int(r) for r in self.roots if self.feature[r] < 0]
        node_of = -np.ones(len(self.feature), np.int64)
        node_of[internal] = np.arange(len(internal))
        node_of[lone] = len(internal) + np.arange(len(lone))
        leaf_of = -np.ones(len(self.feature), np.int64)
        leaf_of[leaves] = np.arange(len(leaves))

        def branch(children: np.ndarray) -> tuple[list[int], list[int]]:
            is_leaf = self.feature[children] < 0
            return np.where(is_leaf, leaf_of[children], node_of[children]).tolist(), is_leaf.astype(int).tolist()

        true_ids, true_leafs = branch(np.concatenate([self.left[internal], np.asarray(lone, np.int64)]))
        false_ids, false_leafs = branch(np.concatenate([self.right[internal], np.asarray(lone, np.int64)]))
        splits = np.concatenate([self.threshold[internal], np.full(len(lone), np.inf)])
        node = helper.make_node(
            "TreeEnsemble", ["x"], ["y"], domain="ai.onnx.ml", aggregate_function=1, post_transform=0, n_targets=1,
            tree_roots=node_of[self.roots].tolist(),
            nodes_featureids=np.concatenate([self.feature[internal], np.zeros(len(lone), np.int64)]).tolist(),
            nodes_splits=numpy_helper.from_array(splits.astype(np.float64)),
            nodes_modes=numpy_helper.from_array(np.zeros(len(splits), np.uint8)),  # BRANCH_LEQ
            nodes_truenodeids=true_ids, nodes_trueleafs=true_leafs,
            nodes_falsenodeids=false_ids, nodes_falseleafs=false_leafs,
            leaf_targetids=[0] * len(leaves), leaf_weights=numpy_helper.from_array(self.value[leaves].astype(np.float64)))
        graph = helper.make_graph([node], "taglens_trees",
                                  [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None, width])],
                                  [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None, 1])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)])
        model.ir_version = 10
        return model.SerializeToString()

    def predict_numpy(self, x: np.ndarray) -> np.ndarray:
        """`predict` in numpy: the fallback, and the reference the ONNX form is tested against.

        A leaf is its own left and right child, so every (row, tree) walks exactly `depth`
        steps with no test of who has arrived; each step is four flat gathers (the node's
        feature, the row's value of it, the threshold, the child)."""
        n = x.shape[0]
        if n == 0 or not len(self.roots):
            return np.zeros(n)
        feature, children = self._walk_arrays()
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        base = (np.arange(n, dtype=np.int64) * x.shape[1])[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).astype(np.int64)
        for _ in range(self.depth):
            right = ~(flat[base + feature[node]] <= self.threshold[node])  # as LightGBM: NaN goes right
            node = children[2 * node + right]
        return self.value[node].sum(axis=1)

    def _walk_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(feature with leaves reading column 0, interleaved left/right children), built once."""
        cached = self.__dict__.get("_walk")
        if cached is None:
            feature = np.maximum(self.feature, 0).astype(np.int64)
            children = np.stack([self.left, self.right], axis=1).ravel().astype(np.int64)
            cached = self.__dict__["_walk"] = (feature, children)
        return cached

    # -- conversion and storage -------------------------------------------------
    @classmethod
    def from_lightgbm(cls, dump: dict[str, Any]) -> "TreeEnsemble":
        """From `Booster.dump_model()`: numerical '<=' splits on data without missing values."""
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        roots: list[int] = []
        depth = 0

        def add(node: dict[str, Any], level: int) -> int:
            nonlocal depth
            i = len(feature)
            feature.append(-1)
            threshold.append(0.0)
            left.append(i)
            right.append(i)
            value.append(float(node.get("leaf_value", 0.0)))
            if "split_feature" in node:
                if node.get("decision_type", "<=") != "<=":
                    raise ModelError(f"unsupported tree split {node.get('decision_type')!r}")
                feature[i] = int(node["split_feature"])
                threshold[i] = float(node["threshold"])
                value[i] = 0.0
                left[i] = add(node["left_child"], level + 1)
                right[i] = add(node["right_child"], level + 1)
            depth = max(depth, level)
            return i

        for tree in dump.get("tree_info", []):
            roots.append(add(tree["tree_structure"], 0))
        return cls(np.asarray(feature), np.asarray(threshold), np.asarray(left), np.asarray(right),
                   np.asarray(value), np.asarray(roots), depth)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, feature=self.feature, threshold=self.threshold, left=self.left,
                            right=self.right, value=self.value, roots=self.roots,
                            depth=np.asarray(self.depth))

    @classmethod
    def load(cls, path: Path) -> "TreeEnsemble":
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["feature"], z["threshold"], z["left"], z["right"], z["value"], z["roots"],
                           int(z["depth"]))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: not a taglens tree ensemble ({exc})") from None
