"""Disclosure control for published tables of counts.

A table is an R x C grid of counts published with its row totals, column
totals and grand total. Method (documented in README, "Statistics"):

1. Primary suppression: every cell, total included, with a count from 1 up to
   threshold - 1 is shown as "< threshold". Zeros are shown.
2. Secondary suppression: a hidden cell is safe only when we can show a
   second table that agrees with everything published — every total shown
   and what each marker says ("< t" is 1..t-1, "x" is t or more) — but
   differs in that cell: a closed chain of hidden cells through it along
   which the counts move by +1/-1 in turn. While some hidden cell has no such
   chain, one more cell is hidden (marked "x"): the smallest shown cell in
   its row or column that gives it one, totals last. Every published table
   thus carries its own proof that no hidden cell can be worked out; the
   method can hide more than the minimum, never less.
3. A table that can not be protected that way (too few cases in all) is
   withheld whole: every cell, zeros included, is shown as "x".
4. A number that two tables of one export both publish (the total advice
   signals, the received totals in the trend, ...) is hidden in both as soon
   as one of them hides it, so comparing tables reveals nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SHOWN, ZERO, PRIMARY, SECONDARY = "shown", "zero", "primary", "secondary"
# A table too small to protect cell by cell is withheld whole, zeros included.
WITHHELD = "withheld"
HIDDEN = (PRIMARY, SECONDARY, WITHHELD)


@dataclass
class ProtectedTable:
    """Counts with totals: grid[i][j] for i <= R, j <= C, where row R holds
    the column totals and column C the row totals."""

    row_labels: list[str]
    col_labels: list[str]
    grid: list[list[int]]
    status: list[list[str]]
    threshold: int
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def display(self, i: int, j: int) -> str:
        state = self.status[i][j]
        if state == PRIMARY:
            return f"< {self.threshold}"
        if state in (SECONDARY, WITHHELD):
            return "x"
        return str(self.grid[i][j])

    def published(self, i: int, j: int) -> int | None:
        return self.grid[i][j] if self.status[i][j] in (SHOWN, ZERO) else None

    @property
    def rows(self) -> int:
        return len(self.row_labels)

    @property
    def cols(self) -> int:
        return len(self.col_labels)


def with_totals(counts: list[list[int]]) -> list[list[int]]:
    rows = [list(row) + [sum(row)] for row in counts]
    width = len(rows[0]) if rows else 1
    totals = [sum(row[j] for row in rows) for j in range(width)]
    return rows + [totals]


def lines(rows: int, cols: int) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Every equation of the table as (cells that add up, the total cell).
    A one-column table has no row totals (they would repeat the cells)."""
    equations = []
    if cols > 1:
        for i in range(rows + 1):
            equations.append(([(i, j) for j in range(cols)], (i, cols)))
    for j in range(cols + 1):
        equations.append(([(i, j) for i in range(rows)], (rows, j)))
    return equations


def derivable_cells(grid: list[list[int]], status: list[list[str]], rows: int, cols: int,
                    threshold: int) -> set[tuple[int, int]]:
    """Hidden cells for which no second answer can be shown. A hidden cell is
    safe when a closed chain of hidden cells exists through it along which
    the values can move by one (+1, -1, ... keeping every published total and
    every marker's range true): that chain is an explicit other table an
    attacker can not tell from the real one. Cells without such a witness
    count as derivable and get a complement; this may hide more than the
    minimum, never less."""
    hidden = {(i, j) for i in range(rows + 1) for j in range(cols + 1)
              if status[i][j] in HIDDEN and not (cols == 1 and j == 1)}
    return {cell for cell in hidden
            if not _movable(cell, hidden, grid, status, rows, cols, threshold)}


def _sign(cell: tuple[int, int], line: tuple[str, int], rows: int, cols: int) -> int:
    """+1 when the cell is a part of the line's sum, -1 when it is the total."""
    i, j = cell
    if line[0] == "r":
        return -1 if j == cols else 1
    return -1 if i == rows else 1


def _movable(target: tuple[int, int], hidden: set[tuple[int, int]], grid: list[list[int]],
             status: list[list[str]], rows: int, cols: int, threshold: int) -> bool:
    def within(cell: tuple[int, int], delta: int) -> bool:
        value = grid[cell[0]][cell[1]] + delta
        state = status[cell[0]][cell[1]]
        if state == PRIMARY:
            return 1 <= value <= threshold - 1
        if state == SECONDARY:
            return value >= threshold
        return value >= 0  # withheld

    if cols == 1:
        # One equation (the column): a partner in it that moves the other way.
        line = ("c", 0)
        for target_delta in (1, -1):
            if not within(target, target_delta):
                continue
            for other in hidden - {target}:
                delta = -_sign(target, line, rows, cols) * _sign(other, line, rows, cols) \
                    * target_delta
                if within(other, delta):
                    return True
        return False

    def lines_of(cell: tuple[int, int]) -> tuple[tuple[str, int], tuple[str, int]]:
        return ("r", cell[0]), ("c", cell[1])

    members: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for cell in hidden:
        for line in lines_of(cell):
            members.setdefault(line, []).append(cell)
    first_line, open_line = lines_of(target)
    limit = 2 * (rows + cols + 2)

    def walk(line: tuple[str, int], cell: tuple[int, int], delta: int, target_delta: int,
             used: set[tuple[int, int]], seen: set[tuple[str, int]], depth: int) -> bool:
        # `line` is out of balance by `cell` moving `delta`: a partner there
        # moves to restore it, and unbalances its other line in turn.
        for other in members.get(line, []):
            if other in used:
                continue
            partner = -_sign(cell, line, rows, cols) * _sign(other, line, rows, cols) * delta
            if not within(other, partner):
                continue
            a, b = lines_of(other)
            next_line = b if a == line else a
            if next_line == first_line:
                if (_sign(target, first_line, rows, cols) * target_delta
                        + _sign(other, first_line, rows, cols) * partner) == 0:
                    return True
                continue
            if next_line in seen or depth >= limit:
                continue
            if walk(next_line, other, partner, target_delta, used | {other},
                    seen | {next_line}, depth + 1):
                return True
        return False

    for target_delta in (1, -1):
        if within(target, target_delta) and walk(
                open_line, target, target_delta, target_delta, {target}, {open_line}, 0):
            return True
    return False


def _complement(grid: list[list[int]], status: list[list[str]], cell: tuple[int, int],
                rows: int, cols: int, threshold: int,
                avoid: frozenset[tuple[int, int]] = frozenset()) -> list[tuple[int, int]]:
    """The cells to hide next to protect `cell`: one shown cell in its row or
    column, or else two that close a rectangle with it, that make it
    underivable — smallest counts first, totals last. Failing that, the
    smallest shown cell next to it (the loop then tries again)."""
    i, j = cell

    def cost(c: tuple[int, int]) -> tuple[bool, bool, int]:
        return (c in avoid, c[0] == rows or c[1] == cols, grid[c[0]][c[1]])

    def shares_line(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] == b[0] or a[1] == b[1]

    shown = [(a, b) for a in range(rows + 1) for b in range(cols + 1)
             if status[a][b] == SHOWN and not (cols == 1 and b == 1)]
    nearby = sorted((c for c in shown if shares_line(c, cell)), key=lambda c: (cost(c), c))

    def fixes(extra: list[tuple[int, int]]) -> bool:
        for c in extra:
            status[c[0]][c[1]] = SECONDARY
        still = cell in derivable_cells(grid, status, rows, cols, threshold)
        for c in extra:
            status[c[0]][c[1]] = SHOWN
        return not still

    for candidate in nearby:
        if fixes([candidate]):
            return [candidate]
    pairs = sorted(
        ((first, second) for first in nearby for second in shown
         if second != first and shares_line(second, first) and not shares_line(second, cell)),
        key=lambda p: (cost(p[0])[0] or cost(p[1])[0], cost(p[0])[1] or cost(p[1])[1],
                       cost(p[0])[2] + cost(p[1])[2], p))
    for first, second in pairs:
        if fixes([first, second]):
            return [first, second]
    if nearby:
        return nearby[:1]
    return sorted(shown, key=lambda c: (cost(c), c))[:1]


def protect(counts: list[list[int]], threshold: int, row_labels: list[str],
            col_labels: list[str], title: str = "",
            forced: set[tuple[int, int]] | None = None,
            avoid: frozenset[tuple[int, int]] = frozenset()) -> ProtectedTable:
    """Suppress what must be hidden. `forced` cells are hidden as well (a
    margin another table of the same export had to hide); `avoid` cells are
    complements of last resort (headline numbers)."""
    if threshold < 3:
        # "< 2" would say "exactly 1": below 3 the marker itself discloses.
        raise ValueError("threshold must be at least 3")
    rows, cols = len(counts), len(counts[0]) if counts else 0
    grid = with_totals(counts) if rows else [[0]]
    status = [[ZERO if v == 0 else (PRIMARY if v < threshold else SHOWN) for v in row]
              for row in grid]
    for i, j in forced or ():
        if status[i][j] == SHOWN:
            status[i][j] = SECONDARY
    if cols == 1:
        for row in status:
            row[1] = "mirror"  # not published: the row total is the cell itself
    while True:
        derivable = derivable_cells(grid, status, rows, cols, threshold)
        if not derivable:
            break
        extra: list[tuple[int, int]] = []
        for cell in sorted(derivable):
            extra = _complement(grid, status, cell, rows, cols, threshold, avoid)
            if extra:
                break
        if not extra:
            # Nothing left to hide and still derivable: withhold the table.
            status = [[WITHHELD for _ in row] for row in grid]
            break
        for c in extra:
            status[c[0]][c[1]] = SECONDARY
    if cols == 1:
        for row in status:
            row[1] = row[0]
    return ProtectedTable(row_labels=row_labels, col_labels=col_labels, grid=grid,
                          status=status, threshold=threshold, title=title)


# A cell that two tables of one export both publish: (table, cell, table, cell).
Link = tuple[str, tuple[int, int], str, tuple[int, int]]


def protect_linked(raw: dict[str, tuple[list[list[int]], list[str], list[str]]],
                   threshold: int, links: list[Link],
                   avoid: dict[str, frozenset[tuple[int, int]]] | None = None,
                   ) -> dict[str, ProtectedTable]:
    """Protect every table of an export (`raw`: name -> counts, row codes,
    column codes), then hide a number two tables both publish (`links`) in
    both as soon as one of them hides it (point 4 above), until no link
    differs."""
    avoid = avoid or {}
    forced: dict[str, set[tuple[int, int]]] = {name: set() for name in raw}

    def protect_all() -> dict[str, ProtectedTable]:
        return {name: protect(m, threshold, rows, cols, name, forced[name],
                              avoid.get(name, frozenset()))
                for name, (m, rows, cols) in raw.items()}

    tables = protect_all()
    for _ in range(20):
        changed = False
        for name_a, cell_a, name_b, cell_b in links:
            ta, tb = tables[name_a], tables[name_b]
            if ta.grid[cell_a[0]][cell_a[1]] != tb.grid[cell_b[0]][cell_b[1]]:
                continue
            sa, sb = ta.status[cell_a[0]][cell_a[1]], tb.status[cell_b[0]][cell_b[1]]
            if sa in HIDDEN and sb == SHOWN:
                forced[name_b].add(cell_b)
                changed = True
            elif sb in HIDDEN and sa == SHOWN:
                forced[name_a].add(cell_a)
                changed = True
        if not changed:
            break
        tables = protect_all()
    return tables
