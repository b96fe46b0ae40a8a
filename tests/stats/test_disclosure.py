"""Disclosure control: small counts are hidden and can not be worked out."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.stats.disclosure import HIDDEN, PRIMARY, WITHHELD, protect


def shown(table):
    return [[table.display(i, j) for j in range(table.cols + 1)] for i in range(table.rows + 1)]


def test_small_counts_are_shown_as_below_the_threshold_and_complemented():
    table = protect([[12, 3, 20], [9, 8, 30]], 5, ["a", "b"], ["x", "y", "z"])
    grid = shown(table)
    assert grid[0][1] == "< 5"
    # Alone in its row and column the 3 could be computed from the totals, so a
    # second cell in its row and one in its column are hidden too.
    hidden = {(i, j) for i in range(3) for j in range(4) if grid[i][j] in ("< 5", "x")}
    assert len([c for c in hidden if c[0] == 0]) >= 2
    assert len([c for c in hidden if c[1] == 1]) >= 2
    assert grid[2][3] == "82"  # the grand total stays


def test_nothing_is_hidden_when_every_count_is_large_enough_or_zero():
    table = protect([[12, 0], [6, 9]], 5, ["a", "b"], ["x", "y"])
    assert shown(table) == [["12", "0", "12"], ["6", "9", "15"], ["18", "9", "27"]]


def test_total_below_the_threshold_is_hidden_too():
    table = protect([[1, 2], [0, 0]], 5, ["a", "b"], ["x", "y"])
    assert table.display(0, 2) == "< 5" and table.display(2, 2) == "< 5"


def test_one_column_table_hides_a_lone_small_cell_with_a_complement():
    table = protect([[2], [30], [7]], 5, ["a", "b", "c"], ["n"])
    assert table.display(0, 0) == "< 5"
    assert table.display(2, 0) == "x"  # else 39 - 30 - 7 gives the 2 away
    assert table.display(1, 0) == "30" and table.display(3, 0) == "39"


# --- the property: no hidden cell can be derived from what is published ------


def _another_solution_exists(table, target):
    """Is there an assignment to the hidden cells, consistent with every
    published number and with what the markers say ("< t" means 1..t-1; "x"
    means at least t), in which `target` differs from its true value?"""
    t = table.threshold
    rows, cols = table.rows, table.cols
    hidden = [(i, j) for i in range(rows + 1) for j in range(cols + 1)
              if table.status[i][j] in HIDDEN
              and not (cols == 1 and j == 1)]
    # An attacker knows no cell exceeds the grand total, when it is published;
    # when it is hidden they know less, so allow some room above it.
    true_total = table.grid[rows][cols]
    if table.status[rows][cols] in HIDDEN:
        true_total += 3 * t
    ranges = {}
    for cell in hidden:
        if table.status[cell[0]][cell[1]] == PRIMARY:
            ranges[cell] = range(1, t)
        elif table.status[cell[0]][cell[1]] == WITHHELD:
            ranges[cell] = range(0, true_total + 1)
        else:
            ranges[cell] = range(t, true_total + 1)
    equations = []
    if cols > 1:
        for i in range(rows + 1):
            equations.append(([(i, j) for j in range(cols)], (i, cols)))
    for j in range(cols + 1 if cols > 1 else 1):
        equations.append(([(i, j) for i in range(rows)], (rows, j)))
    value = {(i, j): table.grid[i][j] for i in range(rows + 1) for j in range(cols + 1)
             if (i, j) not in ranges}
    if cols == 1:
        for i in range(rows + 1):
            value.pop((i, 1), None)

    def consistent(complete: bool) -> bool:
        for parts, total in equations:
            cells = parts + [total]
            if all(c in value for c in cells):
                if sum(value[c] for c in parts) != value[total]:
                    return False
            elif total in value and sum(value[c] for c in parts if c in value) > value[total]:
                return False
        return True

    def search(k: int) -> bool:
        if k == len(hidden):
            return consistent(True) and value[target] != table.grid[target[0]][target[1]]
        cell = hidden[k]
        for v in ranges[cell]:
            if cell == target and v == table.grid[cell[0]][cell[1]]:
                continue
            value[cell] = v
            if consistent(False) and search(k + 1):
                return True
            del value[cell]
        return False

    return search(0)


small_tables = st.integers(1, 3).flatmap(lambda r: st.integers(1, 3).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 9), min_size=c, max_size=c),
                       min_size=r, max_size=r)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=small_tables, threshold=st.integers(3, 5))
def test_no_hidden_cell_can_be_derived_from_the_published_margins(counts, threshold):
    table = protect(counts, threshold, [str(i) for i in range(len(counts))],
                    [str(j) for j in range(len(counts[0]))])
    for i in range(table.rows + 1):
        for j in range(table.cols + 1):
            if table.cols == 1 and j == 1:
                continue
            value = table.grid[i][j]
            if 0 < value < threshold:
                assert table.status[i][j] in (PRIMARY, WITHHELD)  # small counts are hidden
            if table.status[i][j] in HIDDEN:
                assert _another_solution_exists(table, (i, j)), (counts, threshold, (i, j))
