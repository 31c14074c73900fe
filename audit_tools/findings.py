"""Agreement between auditors and moderators: weighted kappa, exact agreement, agreement within
one grade, and the shift matrix (auditor grade against moderator grade)."""
from collections import Counter
from dataclasses import dataclass

from audit_tools.measures import percentage
from audit_tools.records import GRADES

OFSTED_GRADES = GRADES


def weighted_kappa(pairs, categories) -> float | None:
    """Linear-weighted Cohen's kappa for (auditor, moderator) pairs over ordered categories.

    Weights are 1 - |i - j| / (k - 1): full credit for the same grade, part credit for a near
    one. None when there are no pairs, or when chance agreement is already total (every grade
    the same), where kappa is undefined.
    """
    pairs = list(pairs)
    categories = list(categories)
    if not pairs:
        return None
    index = {category: position for position, category in enumerate(categories)}
    unknown = {grade for pair in pairs for grade in pair if grade not in index}
    if unknown:
        raise ValueError(f"Grades not among the categories: {sorted(map(str, unknown))}")
    k, n = len(categories), len(pairs)
    if k < 2:
        raise ValueError("Kappa needs at least two categories")

    def weight(i, j):
        return 1 - abs(i - j) / (k - 1)

    observed = sum(weight(index[a], index[b]) for a, b in pairs) / n
    rows = Counter(index[a] for a, _ in pairs)
    columns = Counter(index[b] for _, b in pairs)
    expected = sum(weight(i, j) * rows[i] * columns[j] for i in range(k) for j in range(k)) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class Agreement:
    pairs: int
    kappa: float | None
    exact_pct: float | None
    within_one_pct: float | None
    shift: dict  # {auditor grade: {moderator grade: count}}


def agreement(pairs, categories=OFSTED_GRADES) -> Agreement:
    pairs = list(pairs)
    index = {category: position for position, category in enumerate(categories)}
    exact = sum(1 for a, b in pairs if a == b)
    within = sum(1 for a, b in pairs if abs(index[a] - index[b]) <= 1)
    shift = {a: {b: 0 for b in categories} for a in categories}
    for a, b in pairs:
        shift[a][b] += 1
    kappa = weighted_kappa(pairs, categories)
    return Agreement(len(pairs), None if kappa is None else round(kappa, 3),
                     percentage(exact, len(pairs)), percentage(within, len(pairs)), shift)
