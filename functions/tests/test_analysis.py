"""Gower distances, peers, groups and the scaling map, checked against hand-worked numbers."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from functions.analysis import Variable, analyse, fingerprint, gower_distances

CORE = Variable("F01.1", "categorical", 2.0)
TICKS = Variable("F01.2", "multi", 1.0)
COUNT = Variable("F01.3", "numeric", 1.0)
HAND_VARIABLES = [CORE, TICKS, COUNT]
# Library C did not answer the multi item.
HAND_ROWS = [
    {"F01.1": "yes", "F01.2": {"x", "y"}, "F01.3": 10},  # A
    {"F01.1": "no", "F01.2": {"y", "z"}, "F01.3": 30},  # B
    {"F01.1": "yes", "F01.2": None, "F01.3": 50},  # C
]


def test_mixed_items_give_the_weighted_average_worked_out_by_hand():
    distances, compared = gower_distances(HAND_VARIABLES, HAND_ROWS)
    # Numeric range over answers: 50 - 10 = 40.
    # A-B: categorical differs -> 1 x weight 2 = 2
    #      Jaccard {x,y} vs {y,z}: 1 shared of 3 -> 1 - 1/3 = 2/3, weight 1
    #      |10 - 30| / 40 = 1/2, weight 1
    #      (2 + 2/3 + 1/2) / (2 + 1 + 1) = (19/6) / 4 = 19/24
    assert distances[0, 1] == pytest.approx(19 / 24)
    # A-C: categorical equal -> 0; multi skipped (C missing); |10 - 50| / 40 = 1
    #      (0 + 1) / (2 + 1) = 1/3
    assert distances[0, 2] == pytest.approx(1 / 3)
    # B-C: categorical differs -> 2; |30 - 50| / 40 = 1/2 -> 2.5 / 3 = 5/6
    assert distances[1, 2] == pytest.approx(5 / 6)
    assert compared.tolist() == [[3, 3, 2], [3, 3, 2], [2, 2, 2]]
    assert np.array_equal(distances, distances.T)
    assert np.diag(distances).tolist() == [0.0, 0.0, 0.0]


def test_missing_answers_are_skipped_not_counted_as_different():
    rows = [{"F01.1": "yes", "F01.3": 1}, {"F01.1": "yes"}, {"F01.1": "yes", "F01.3": None}]
    distances, compared = gower_distances([CORE, COUNT], rows)
    # Only the categorical item is shared by the pairs with row 2 or 3, and it agrees.
    assert distances[0, 1] == 0.0
    assert distances[0, 2] == 0.0
    assert compared[0, 1] == 1


def test_a_pair_with_nothing_in_common_has_no_distance_and_zero_items_compared():
    rows = [{"F01.1": "yes"}, {"F01.3": 4}, {"F01.1": "no", "F01.3": 2}]
    distances, compared = gower_distances([CORE, COUNT], rows)
    assert math.isnan(distances[0, 1])
    assert compared[0, 1] == 0
    assert distances[0, 2] == 1.0
    assert distances[1, 2] == 1.0  # the only two numeric answers span the whole range


def test_jaccard_treats_two_empty_sets_as_equal_and_empty_versus_something_as_different():
    rows = [{"F01.2": set()}, {"F01.2": frozenset()}, {"F01.2": ["a"]}, {"F01.2": ("a", "b")}]
    distances, compared = gower_distances([TICKS], rows)
    assert distances[0, 1] == 0.0  # "none of these" twice agrees
    assert distances[0, 2] == 1.0
    # {a} vs {a, b}: 1 shared of 2
    assert distances[2, 3] == pytest.approx(0.5)
    assert compared[0, 1] == 1


def test_an_empty_set_is_an_answer_but_a_missing_set_is_not():
    rows = [{"F01.2": set()}, {}, {"F01.2": None}]
    distances, compared = gower_distances([TICKS], rows)
    assert compared.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert math.isnan(distances[0, 1])
    assert math.isnan(distances[1, 2])


def test_all_empty_multi_answers_agree_completely():
    distances, _ = gower_distances([TICKS], [{"F01.2": set()}] * 3)
    assert distances.tolist() == [[0.0] * 3] * 3


def test_log_scaling_compares_orders_of_magnitude():
    logged = Variable("F09.1", "numeric", 1.0, log=True)
    rows = [{"F09.1": 0}, {"F09.1": 9}, {"F09.1": 99}]
    distances, _ = gower_distances([logged], rows)
    # log1p: 0, ln 10, ln 100 -> range ln 100; 0-9 and 9-99 are each half of it.
    assert distances[0, 1] == pytest.approx(0.5)
    assert distances[1, 2] == pytest.approx(0.5)
    assert distances[0, 2] == pytest.approx(1.0)
    plain, _ = gower_distances([Variable("F09.1", "numeric", 1.0)], rows)
    # Without the log: |0 - 9| / 99
    assert plain[0, 1] == pytest.approx(9 / 99)


def test_a_numeric_item_everyone_answered_alike_counts_as_agreement():
    rows = [{"F01.1": "yes", "F01.3": 5}, {"F01.1": "no", "F01.3": 5}]
    distances, compared = gower_distances([CORE, COUNT], rows)
    # (2 x 1 + 1 x 0) / 3: range 0 gives 0, and the item still counts in the weights.
    assert distances[0, 1] == pytest.approx(2 / 3)
    assert compared[0, 1] == 2


def test_numeric_range_ignores_rows_that_did_not_answer():
    rows = [{"F01.3": 2, "F01.1": "a"}, {"F01.3": 6, "F01.1": "a"}, {"F01.3": 4}, {"F01.1": "a"}]
    distances, _ = gower_distances([CORE, COUNT], rows)
    # Range 6 - 2 = 4. Rows 1-2: (2 x 0 + 1 x 4/4) / 3 = 1/3.
    assert distances[0, 1] == pytest.approx(1 / 3)
    # Rows 1-3 share only the numeric item: |2 - 4| / 4 = 1/2.
    assert distances[0, 2] == pytest.approx(0.5)
    assert distances[0, 3] == 0.0


def test_vectorised_distances_match_a_plain_pair_by_pair_computation():
    variables = [
        Variable("c1", "categorical", 2.0),
        Variable("c2", "categorical", 1.0),
        Variable("m1", "multi", 2.0),
        Variable("m2", "multi", 1.0),
        Variable("n1", "numeric", 1.0, log=True),
        Variable("n2", "numeric", 1.5),
    ]
    rows = random_rows(60, variables, seed=3)
    distances, compared = gower_distances(variables, rows)
    expected, expected_compared = reference_gower(variables, rows)
    assert np.array_equal(compared, expected_compared)
    assert np.allclose(distances, expected, equal_nan=True, atol=1e-12)


def test_impossible_inputs_are_refused():
    with pytest.raises(ValueError, match="kind"):
        Variable("X", "ordinal", 1.0)
    with pytest.raises(ValueError, match="positive"):
        Variable("X", "numeric", 0)
    with pytest.raises(TypeError, match="set of options"):
        gower_distances([TICKS], [{"F01.2": "abc"}])
    with pytest.raises(ValueError, match=">= 0"):
        gower_distances([Variable("L", "numeric", 1.0, log=True)], [{"L": -3}])
    with pytest.raises(ValueError, match="duplicate"):
        gower_distances([CORE, CORE], [])


def test_two_obvious_groups_end_up_in_two_clusters_numbered_by_size():
    variables = [Variable(f"Q{i}", "categorical", 1.0) for i in range(6)]
    rows = {f"a{i}": {f"Q{q}": "x" for q in range(6)} for i in range(4)}
    rows |= {f"b{i}": {f"Q{q}": "y" for q in range(6)} for i in range(3)}
    rows["a3"]["Q0"] = "y"  # a little noise inside group a
    rows["b2"]["Q5"] = "x"
    positions = analyse(rows, variables, clusters=2)
    assert {positions.clusters[f"a{i}"] for i in range(4)} == {1}
    assert {positions.clusters[f"b{i}"] for i in range(3)} == {2}
    assert sorted(positions.leaves) == sorted(rows)
    assert positions.linkage.shape == (6, 4)


def test_equal_sized_clusters_are_numbered_by_their_smallest_key():
    variables = [Variable("Q", "categorical", 1.0)]
    rows = {"z1": {"Q": "a"}, "z2": {"Q": "a"}, "m1": {"Q": "b"}, "m2": {"Q": "b"}}
    positions = analyse(rows, variables, clusters=2)
    assert positions.clusters == {"m1": 1, "m2": 1, "z1": 2, "z2": 2}


def test_peers_are_nearest_first_and_exclude_the_library_itself():
    line = Variable("N", "numeric", 1.0)
    rows = {"p0": {"N": 0}, "p1": {"N": 1}, "p3": {"N": 3}, "p7": {"N": 7}}
    positions = analyse(rows, [line], peers=2)
    assert [(p.key, p.distance, p.compared) for p in positions.peers["p0"]] == [
        ("p1", pytest.approx(1 / 7), 1),
        ("p3", pytest.approx(3 / 7), 1),
    ]
    assert [p.key for p in positions.peers["p3"]] == ["p1", "p0"]
    assert all(key not in [p.key for p in peers] for key, peers in positions.peers.items())


def test_equally_near_peers_are_ordered_by_key():
    line = Variable("N", "numeric", 1.0)
    rows = {"m": {"N": 5}, "c": {"N": 4}, "b": {"N": 6}, "a": {"N": 0}, "z": {"N": 10}}
    positions = analyse(rows, [line], peers=4)
    assert [p.key for p in positions.peers["m"]] == ["b", "c", "a", "z"]


def test_pairs_with_nothing_in_common_are_never_peers():
    variables = [CORE, COUNT]
    rows = {"a": {"F01.1": "yes"}, "b": {"F01.1": "yes", "F01.3": 1}, "c": {"F01.3": 2}}
    positions = analyse(rows, variables, peers=5)
    assert [p.key for p in positions.peers["a"]] == ["b"]
    assert [p.key for p in positions.peers["c"]] == ["b"]
    # The map and the tree still need a number for a-c: the largest distance.
    a, c = positions.keys.index("a"), positions.keys.index("c")
    assert positions.distances[a, c] == 1.0
    assert positions.compared[a, c] == 0


def test_rows_without_any_comparable_answer_are_excluded():
    variables = [CORE, TICKS, Variable("ONLY", "categorical", 1.0)]
    rows = {
        "answered": {"F01.1": "yes", "F01.2": {"a"}},
        "also": {"F01.1": "no"},
        "empty": {},
        "unknowns": {"F01.1": None, "F01.2": None},
        "alone": {"ONLY": "x"},  # answered, but an item nobody else answered
        "elsewhere": {"not an item": "x"},
    }
    positions = analyse(rows, variables)
    assert positions.keys == ["also", "answered"]
    assert positions.excluded == ["alone", "elsewhere", "empty", "unknowns"]
    assert set(positions.clusters) == set(positions.coordinates) == {"also", "answered"}


def test_shuffled_input_order_gives_identical_results():
    variables = [
        Variable("c", "categorical", 2.0),
        Variable("m", "multi", 1.0),
        Variable("n", "numeric", 1.0, log=True),
    ]
    rows = {f"lib{i:03d}": row for i, row in enumerate(random_rows(80, variables, seed=7))}
    first = analyse(rows, variables, clusters=4)
    shuffler = random.Random(1)
    items = list(rows.items())
    shuffler.shuffle(items)
    shuffled = {
        key: {
            code: (shuffler.sample(sorted(value), len(value)) if isinstance(value, set) else value)
            for code, value in reversed(row.items())
        }
        for key, row in items
    }
    second = analyse(shuffled, variables, clusters=4)
    assert first.keys == second.keys
    assert np.array_equal(first.distances, second.distances)
    assert np.array_equal(first.linkage, second.linkage)
    assert first.peers == second.peers
    assert first.clusters == second.clusters
    assert first.leaves == second.leaves
    assert first.coordinates == second.coordinates
    assert first.explained == second.explained
    assert fingerprint(rows, variables, 4, 5) == fingerprint(shuffled, variables, 4, 5)


def test_fingerprint_changes_when_an_answer_or_a_setting_changes():
    rows = {"a": {"F01.1": "yes", "F01.2": {"x"}}, "b": {"F01.1": "no"}}
    base = fingerprint(rows, HAND_VARIABLES, 5, 5)
    assert fingerprint(rows | {"b": {"F01.1": "yes"}}, HAND_VARIABLES, 5, 5) != base
    assert fingerprint(rows, HAND_VARIABLES, 3, 5) != base
    assert fingerprint(rows, HAND_VARIABLES, 5, 4) != base
    # Unknown answers and items outside the framework do not change the analysis.
    padded = {"a": rows["a"] | {"F01.3": None, "other": 1}, "b": rows["b"]}
    assert fingerprint(padded, HAND_VARIABLES, 5, 5) == base


def test_scaling_reproduces_distances_that_fit_on_a_line():
    line = Variable("N", "numeric", 1.0)
    rows = {"p0": {"N": 0}, "p1": {"N": 1}, "p3": {"N": 3}, "p7": {"N": 7}}
    positions = analyse(rows, [line])
    assert_map_matches_distances(positions)
    assert positions.explained == pytest.approx((1.0, 0.0), abs=1e-9)
    assert all(y == pytest.approx(0.0, abs=1e-9) for _, y in positions.coordinates.values())


def test_scaling_reproduces_the_three_distances_of_a_triangle():
    # Any three points with the triangle inequality fit exactly in a plane.
    variables = [Variable(f"Q{i}", "categorical", 1.0) for i in range(5)]
    rows = {
        "a": dict(zip(["Q0", "Q1", "Q2", "Q3", "Q4"], "xxxxx", strict=True)),
        "b": dict(zip(["Q0", "Q1", "Q2", "Q3", "Q4"], "yyxxx", strict=True)),  # 2/5 from a
        "c": dict(zip(["Q0", "Q1", "Q2", "Q3", "Q4"], "xyyyx", strict=True)),  # 3/5 from a and b
    }
    positions = analyse(rows, variables)
    assert_map_matches_distances(positions)
    assert sum(positions.explained) == pytest.approx(1.0)
    assert positions.explained[0] >= positions.explained[1] > 0


def test_map_axes_have_a_fixed_orientation():
    line = Variable("N", "numeric", 1.0)
    rows = {"p0": {"N": 0}, "p1": {"N": 1}, "p7": {"N": 7}}
    x = {key: xy[0] for key, xy in analyse(rows, [line]).coordinates.items()}
    # p7 is farthest from the centre, so it is put on the positive side.
    assert x["p7"] > 0 > x["p0"]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_tiny_inputs_do_not_crash(count):
    rows = {f"lib{i}": {"F01.1": "yes", "F01.3": i} for i in range(count)}
    positions = analyse(rows, HAND_VARIABLES, clusters=5, peers=5)
    assert positions.keys == sorted(rows)
    assert positions.distances.shape == (count, count)
    assert set(positions.clusters.values()) <= {1, 2}
    assert sorted(positions.leaves) == positions.keys
    assert len(positions.coordinates) == count
    if count == 1:
        assert positions.peers == {"lib0": []}
        assert positions.coordinates == {"lib0": (0.0, 0.0)}
        assert positions.linkage.shape == (0, 4)
    if count == 2:
        assert positions.clusters == {"lib0": 1, "lib1": 2}
        assert [p.key for p in positions.peers["lib0"]] == ["lib1"]
        assert positions.linkage.shape == (1, 4)
        assert_map_matches_distances(positions)


def test_no_variables_or_no_answers_excludes_everyone():
    assert analyse({"a": {}, "b": {}}, HAND_VARIABLES).excluded == ["a", "b"]
    assert analyse({"a": {"x": 1}}, []).keys == []


# Helpers ----------------------------------------------------------------------------------


def assert_map_matches_distances(positions):
    for (i, a), (j, b) in itertools.combinations(enumerate(positions.keys), 2):
        (ax, ay), (bx, by) = positions.coordinates[a], positions.coordinates[b]
        assert math.hypot(ax - bx, ay - by) == pytest.approx(positions.distances[i, j], abs=1e-9)


def random_rows(count, variables, *, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        row = {}
        for var in variables:
            if rng.random() < 0.15:
                if rng.random() < 0.5:
                    row[var.code] = None
                continue
            if var.kind == "categorical":
                row[var.code] = rng.choice("abcd")
            elif var.kind == "multi":
                row[var.code] = {option for option in "pqrst" if rng.random() < 0.3}
            else:
                row[var.code] = rng.choice([0, 1, 2.5, 10, 400, rng.randint(0, 10_000)])
        rows.append(row)
    return rows


def reference_gower(variables, rows):
    """Gower's formula pair by pair, written for clarity rather than speed."""
    ranges = {}
    for var in variables:
        if var.kind == "numeric":
            values = [transform(var, row[var.code]) for row in rows if answered(row, var)]
            ranges[var.code] = (max(values) - min(values)) if values else 0.0
    n = len(rows)
    distances = np.full((n, n), np.nan)
    compared = np.zeros((n, n), dtype=int)
    for i, j in itertools.product(range(n), repeat=2):
        total = weight = 0.0
        for var in variables:
            if not (answered(rows[i], var) and answered(rows[j], var)):
                continue
            a, b = rows[i][var.code], rows[j][var.code]
            if var.kind == "categorical":
                part = float(a != b)
            elif var.kind == "multi":
                union = set(a) | set(b)
                part = 1 - len(set(a) & set(b)) / len(union) if union else 0.0
            else:
                span = ranges[var.code]
                part = abs(transform(var, a) - transform(var, b)) / span if span else 0.0
            total += var.weight * part
            weight += var.weight
            compared[i, j] += 1
        if weight:
            distances[i, j] = total / weight
    np.fill_diagonal(distances, 0.0)
    return distances, compared


def answered(row, var):
    return row.get(var.code) is not None


def transform(var, value):
    return math.log1p(value) if var.log else float(value)
