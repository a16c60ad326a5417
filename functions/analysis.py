"""Which national libraries resemble each other, judged by their answers to the function framework.

In plain words:

1. Two libraries are compared item by item, using only the items that *both* answered; an
   unanswered item is left out rather than counted as a difference (Gower's coefficient).
   - A single-choice item differs by 0 (same answer) or 1 (different answer).
   - A tick-all-that-apply item differs by the share of ticked options that the two libraries do
     not have in common (Jaccard distance); two libraries that both ticked nothing agree fully.
   - A number differs by the gap between the two values divided by the widest gap seen among all
     libraries that answered; counts are first put on a logarithmic scale where noted, so that
     the gap between 10 and 100 weighs as much as the gap between 100 and 1,000.
   Core items weigh more than extended ones. The result is a weighted average between 0
   (identical answers) and 1 (nothing alike), together with the number of items compared:
   a distance built on three items is much less reliable than one built on sixty.
2. Peers are the libraries at the smallest distance.
3. Groups come from average-linkage hierarchical clustering (UPGMA): repeatedly join the two
   groups whose members are, on average, closest, then cut the tree into a few groups.
4. The map places every library on a plane so that straight-line gaps approximate the distances
   as well as two dimensions allow (classical multidimensional scaling). The share of the
   structure each axis carries is reported: a low share means the map simplifies a lot.

The axes of the map have no fixed meaning, and nothing here ranks libraries: close means
"answered alike", never "better" or "worse".
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, leaves_list
from scipy.cluster.hierarchy import linkage as hierarchical_linkage
from scipy.linalg import eigh
from scipy.spatial.distance import pdist, squareform

__all__ = [
    "KINDS",
    "METHOD_VERSION",
    "Peer",
    "Positions",
    "Variable",
    "analyse",
    "fingerprint",
    "gower_distances",
]

KINDS = ("categorical", "multi", "numeric")
# Part of the fingerprint, so that cached results die with a change of method.
METHOD_VERSION = "gower-upgma-cmds/1"
# Distances are rounded so that mathematically equal distances reached through different
# floating-point paths compare equal, which keeps peer ties and clustering reproducible.
_DECIMALS = 12
# Rows per band in the Jaccard step: small enough for the working arrays to stay in cache.
BLOCK = 128


@dataclass(frozen=True)
class Variable:
    code: str
    kind: str
    weight: float
    log: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise ValueError("a variable needs a non-empty code")
        if self.kind not in KINDS:
            raise ValueError(f"{self.code}: kind must be one of {', '.join(KINDS)}")
        if not (isinstance(self.weight, numbers.Real) and math.isfinite(self.weight)):
            raise ValueError(f"{self.code}: weight must be a finite number")
        # A zero weight would count the item as compared while contributing nothing to the
        # denominator, so a pair compared only on such items would divide by zero.
        if self.weight <= 0:
            raise ValueError(f"{self.code}: weight must be positive")
        if self.log and self.kind != "numeric":
            raise ValueError(f"{self.code}: log scaling only applies to numeric items")


@dataclass
class Peer:
    key: str
    distance: float
    compared: int


@dataclass
class Positions:
    keys: list[str]
    excluded: list[str]
    distances: np.ndarray
    compared: np.ndarray
    peers: dict[str, list[Peer]]
    clusters: dict[str, int]
    linkage: np.ndarray
    leaves: list[str]
    coordinates: dict[str, tuple[float, float]]
    explained: tuple[float, float]


def _read(row: Mapping[str, object], var: Variable) -> object:
    """The row's answer to `var` in canonical form, or None when it is not answered."""
    value = row.get(var.code)
    if value is None:
        return None
    if var.kind == "numeric":
        # bool is an int subclass; a yes/no answer reaching a numeric item is a mapping bug.
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{var.code}: expected a number, got {type(value).__name__}")
        number = float(value)
        if math.isnan(number):
            return None  # NaN is how numeric exports usually spell "unknown"
        if math.isinf(number):
            raise ValueError(f"{var.code}: infinite value")
        if var.log and number < 0:
            raise ValueError(f"{var.code}: log-scaled values must be >= 0, got {number}")
        return number
    if var.kind == "multi":
        if not isinstance(value, set | frozenset | list | tuple):
            # A bare string would otherwise be read as a set of its characters.
            raise TypeError(f"{var.code}: expected a set of options, got {type(value).__name__}")
        return frozenset(value)
    if isinstance(value, set | frozenset | list | tuple | dict):
        raise TypeError(f"{var.code}: expected a single answer, got {type(value).__name__}")
    return value


def _answers(rows: Sequence[Mapping[str, object]], var: Variable) -> list[object]:
    """`_read` for a whole column, with the per-value checks skipped for plain types."""
    raw = [row.get(var.code) for row in rows]
    if var.kind == "categorical":
        if all(value is None or type(value) is str for value in raw):
            return raw
    elif var.kind == "multi":
        if all(value is None or type(value) in (set, frozenset) for value in raw):
            return [None if value is None else frozenset(value) for value in raw]
    elif all(value is None or type(value) in (int, float) for value in raw):
        parsed = np.array([math.nan if value is None else value for value in raw], dtype=float)
        # Infinite or (for log items) negative values take the slow path, which raises.
        if np.isfinite(parsed[~np.isnan(parsed)]).all() and not (var.log and (parsed < 0).any()):
            return [None if math.isnan(number) else number for number in parsed.tolist()]
    return [_read(row, var) for row in rows]


def _check_codes(variables: Sequence[Variable]) -> None:
    seen: set[str] = set()
    for var in variables:
        if var.code in seen:
            raise ValueError(f"duplicate item code {var.code}")
        seen.add(var.code)


def _jaccard_similarity(
    items: Sequence[tuple[float, np.ndarray, np.ndarray, np.ndarray]], n: int, block: int = BLOCK
) -> np.ndarray:
    """Sum over multi items of weight * |A & B| / |A | B| for every pair (1 for two empty sets).

    The division has to happen item by item. Working through a band of rows at a time keeps
    the intermediate arrays in the processor cache instead of streaming several n-by-n
    arrays through memory per item, and only the upper triangle of bands is computed.
    """
    total = np.zeros((n, n))
    for start in range(0, n, block):
        stop = min(start + block, n)
        target = total[start:stop, start:]
        common = np.empty(target.shape)
        union = np.empty(target.shape)
        for weight, indicator, sizes, empty in items:
            np.matmul(indicator[start:stop], indicator[start:].T, out=common)
            np.add.outer(sizes[start:stop], sizes[start:], out=union)
            union -= common
            # A union of 0 comes from two empty or unanswered sets, whose intersection is 0
            # too: dividing by 1 leaves 0, and answered empty pairs are set to 1 just after.
            np.maximum(union, 1.0, out=union)
            common /= union
            empty_rows, empty_columns = empty[start:stop], empty[start:]
            if empty_rows.any() and empty_columns.any():
                common[np.ix_(empty_rows, empty_columns)] = 1.0
            common *= weight
            target += common
        # Bands above have already filled this band's columns to the left of the diagonal.
        total[start:stop, :start] = total[:start, start:stop].T
    return total


def gower_distances(
    variables: Sequence[Variable], rows: Sequence[Mapping[str, object]]
) -> tuple[np.ndarray, np.ndarray]:
    """Gower distances between all rows, and how many items each pair had in common.

    Returns (D, W): D[i, j] in [0, 1], NaN when rows i and j share no answered item, 0 on the
    diagonal; W[i, j] is the number of items both answered (W[i, i]: items row i answered).

    The pairwise sums are assembled from matrix products rather than a loop over pairs:
    - weights of shared items: (A * w) @ A.T, with A the answered-indicator matrix;
    - categorical agreement: one-hot columns O, weighted, O @ O.T counts equal answers;
    - multi: intersections are products of option-indicator matrices, unions follow from the
      set sizes, so only the Jaccard division is done per item;
    - numeric: a weighted city-block distance on the scaled values, with unanswered cells set
      to 0 and the spurious |0 - x| terms removed by one more product.
    """
    variables = list(variables)
    _check_codes(variables)
    n = len(rows)
    answered = np.zeros((n, len(variables)))
    weights = np.array([float(v.weight) for v in variables])
    numerator = np.zeros((n, n))
    categorical_blocks: list[np.ndarray] = []
    categorical_weights: list[float] = []
    numeric_columns: list[np.ndarray] = []
    numeric_missing: list[np.ndarray] = []
    non_numeric: list[int] = []
    multi_items: list[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = []

    for k, var in enumerate(variables):
        values = _answers(rows, var)
        present = np.fromiter((v is not None for v in values), dtype=bool, count=n)
        answered[:, k] = present
        if var.kind != "numeric":
            non_numeric.append(k)
        if not present.any():
            continue
        index = np.flatnonzero(present)
        if var.kind == "categorical":
            codes: dict[object, int] = {}
            columns = [codes.setdefault(values[i], len(codes)) for i in index]
            block = np.zeros((n, len(codes)))
            block[index, columns] = 1.0
            categorical_blocks.append(block)
            categorical_weights.extend([float(var.weight)] * len(codes))
        elif var.kind == "multi":
            options: dict[object, int] = {}
            cells_row: list[int] = []
            cells_col: list[int] = []
            for i in index:
                for option in values[i]:
                    cells_row.append(i)
                    cells_col.append(options.setdefault(option, len(options)))
            indicator = np.zeros((n, len(options)))
            indicator[cells_row, cells_col] = 1.0
            sizes = indicator.sum(axis=1)
            multi_items.append((float(var.weight), indicator, sizes, present & (sizes == 0)))
        else:
            scaled = np.array([values[i] for i in index], dtype=float)
            if var.log:
                scaled = np.log1p(scaled)
            low, high = scaled.min(), scaled.max()
            if high <= low:
                continue  # every answer equal: the item agrees everywhere
            column = np.zeros(n)
            column[index] = (scaled - low) / (high - low) * var.weight
            numeric_columns.append(column)
            numeric_missing.append(~present)

    shared = answered @ answered.T
    denominator = (answered * weights) @ answered.T
    if non_numeric:
        part = answered[:, non_numeric]
        # Categorical and multi items start as fully different; agreement is subtracted.
        numerator += (part * weights[non_numeric]) @ part.T
    if categorical_blocks:
        onehot = np.hstack(categorical_blocks)
        numerator -= (onehot * np.array(categorical_weights)) @ onehot.T
    if multi_items:
        numerator -= _jaccard_similarity(multi_items, n)
    if numeric_columns and n > 1:
        values_matrix = np.column_stack(numeric_columns)
        numerator += squareform(pdist(values_matrix, "cityblock"))
        correction = np.column_stack(numeric_missing).astype(float) @ values_matrix.T
        numerator -= correction
        numerator -= correction.T

    distances = np.full((n, n), np.nan)
    np.divide(numerator, denominator, out=distances, where=shared > 0)
    np.clip(distances, 0.0, 1.0, out=distances)
    # BLAS may sum (i, j) and (j, i) in different orders; a symmetric result keeps the
    # clustering and the peer lists independent of which side of a pair is looked at.
    distances = np.round((distances + distances.T) / 2.0, _DECIMALS)
    np.fill_diagonal(distances, 0.0)
    return distances, np.rint(shared).astype(np.int64)


def _trivial_positions(keys: list[str], excluded: list[str], compared: np.ndarray) -> Positions:
    n = len(keys)
    return Positions(
        keys=keys,
        excluded=excluded,
        distances=np.zeros((n, n)),
        compared=compared,
        peers={key: [] for key in keys},
        clusters=dict.fromkeys(keys, 1),
        linkage=np.empty((0, 4)),
        leaves=list(keys),
        coordinates=dict.fromkeys(keys, (0.0, 0.0)),
        explained=(0.0, 0.0),
    )


def _nearest(
    keys: list[str], distances: np.ndarray, compared: np.ndarray, count: int
) -> dict[str, list[Peer]]:
    n = len(keys)
    if count == 0 or n < 2:
        return {key: [] for key in keys}
    count = min(count, n - 1)
    candidates = np.where(compared > 0, distances, np.inf)
    np.fill_diagonal(candidates, np.inf)
    # Only values up to each row's count-th smallest can qualify; ties at that value are kept
    # so that the key decides between them, not the partition algorithm.
    threshold = np.partition(candidates, count - 1, axis=1)[:, count - 1]
    result: dict[str, list[Peer]] = {}
    for i, key in enumerate(keys):
        row = candidates[i]
        pool = np.flatnonzero(row <= threshold[i])
        # Columns follow the sorted keys, so a stable sort breaks ties by key.
        pool = pool[np.argsort(row[pool], kind="stable")][:count]
        result[key] = [
            Peer(keys[j], float(distances[i, j]), int(compared[i, j]))
            for j in pool
            if math.isfinite(row[j])
        ]
    return result


def _cluster_numbers(keys: list[str], labels: np.ndarray) -> dict[str, int]:
    members: dict[int, list[str]] = {}
    for key, label in zip(keys, labels, strict=True):
        members.setdefault(int(label), []).append(key)
    # fcluster's numbering follows the tree; readers expect "group 1" to be the largest.
    ranked = sorted(members.values(), key=lambda group: (-len(group), min(group)))
    return {key: number for number, group in enumerate(ranked, 1) for key in group}


def _scaling(distances: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Classical (Torgerson) scaling to two dimensions, and each axis' share."""
    n = len(distances)
    squared = distances**2
    row_means = squared.mean(axis=1)
    grand_mean = row_means.mean()
    inner = squared - row_means[:, None] - row_means[None, :] + grand_mean
    inner *= -0.5
    values, vectors = eigh(inner, subset_by_index=[max(n - 2, 0), n - 1])
    values, vectors = values[::-1], vectors[:, ::-1]
    # Gower distances are rarely exactly Euclidean, so some eigenvalues are negative; the
    # share is taken of the positive mass, the part a map can represent at all.
    spectrum = eigh(inner, eigvals_only=True, driver="evd")
    # Eigenvalues that should be 0 come out as rounding noise of either sign; taken at face
    # value they would give a flat configuration a jittery second axis.
    noise = 1e-10 * max(float(np.abs(spectrum).max()), np.finfo(float).tiny)
    positive = float(spectrum[spectrum > noise].sum())
    coordinates = np.zeros((n, 2))
    shares = [0.0, 0.0]
    for axis in range(min(2, n)):
        value = float(values[axis]) if values[axis] > noise else 0.0
        column = vectors[:, axis] * math.sqrt(value)
        # Eigenvectors have no intrinsic sign; fixing one keeps maps stable between runs.
        if column[np.argmax(np.abs(column))] < 0:
            column = -column
        coordinates[:, axis] = column
        shares[axis] = value / positive if positive > 0 else 0.0
    coordinates = np.round(coordinates, _DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return coordinates, (shares[0], shares[1])


def analyse(
    rows: Mapping[str, Mapping[str, object]],
    variables: Sequence[Variable],
    *,
    clusters: int = 5,
    peers: int = 5,
) -> Positions:
    """Distances, peers, groups, dendrogram order and a 2-D map for the given rows.

    Rows that answered nothing, or nothing that any other row also answered, cannot be
    placed and are listed in `excluded`. A single answering row is kept on its own.
    """
    if clusters < 1:
        raise ValueError("clusters must be at least 1")
    if peers < 0:
        raise ValueError("peers must be >= 0")
    all_keys = sorted(rows)
    distances, compared = gower_distances(variables, [rows[key] for key in all_keys])
    answered_any = np.diag(compared) > 0
    off_diagonal = compared.copy()
    np.fill_diagonal(off_diagonal, 0)
    keep = answered_any & (off_diagonal > 0).any(axis=1)
    if answered_any.sum() == 1:
        keep = answered_any
    keys = [key for key, kept in zip(all_keys, keep, strict=True) if kept]
    excluded = [key for key, kept in zip(all_keys, keep, strict=True) if not kept]
    n = len(keys)
    index = np.flatnonzero(keep)
    compared = compared[np.ix_(index, index)]
    if n < 2:
        return _trivial_positions(keys, excluded, compared)

    distances = distances[np.ix_(index, index)]
    distances[np.isnan(distances)] = 1.0

    tree = hierarchical_linkage(squareform(distances, checks=False), method="average")
    labels = fcluster(tree, t=min(clusters, n), criterion="maxclust")
    coordinates, explained = _scaling(distances)
    return Positions(
        keys=keys,
        excluded=excluded,
        distances=distances,
        compared=compared,
        peers=_nearest(keys, distances, compared, peers),
        clusters=_cluster_numbers(keys, labels),
        linkage=tree,
        leaves=[keys[i] for i in leaves_list(tree)],
        coordinates={
            key: (float(x), float(y)) for key, (x, y) in zip(keys, coordinates, strict=True)
        },
        explained=explained,
    )


def _canonical(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value, key=repr)
    if isinstance(value, str | bool | int | float):
        return value
    return repr(value)


def fingerprint(
    rows: Mapping[str, Mapping[str, object]],
    variables: Sequence[Variable],
    clusters: int = 5,
    peers: int = 5,
) -> str:
    """A short hash of everything `analyse` depends on, for use as a cache key.

    Answers are normalised first (sets sorted, numbers as floats, unknowns dropped, items
    outside `variables` ignored), so inputs that give the same analysis give the same hash.
    """
    payload = {
        "method": METHOD_VERSION,
        "clusters": clusters,
        "peers": peers,
        "variables": [[v.code, v.kind, float(v.weight), v.log] for v in variables],
        "rows": {
            str(key): {
                var.code: _canonical(answer)
                for var in variables
                if (answer := _read(rows[key], var)) is not None
            }
            for key in sorted(rows)
        },
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
