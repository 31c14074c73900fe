"""Small numbers withheld, as DfE does: a count of 1 to 5 children, cases or audits is shown as
[c], and so is a percentage on a base under 10. Secondary suppression then withholds one more
cell in any group that adds up to a total shown elsewhere, so that the hidden value cannot be
worked out by taking the others from the total."""
SUPPRESSED = "[c]"
SMALLEST_SHOWN = 6  # 1 to 5 are withheld; 0 is shown (nobody to recognise)
SMALLEST_BASE = 10  # a percentage on fewer than 10 is withheld


def is_small(count) -> bool:
    return isinstance(count, int) and not isinstance(count, bool) and 1 <= count < SMALLEST_SHOWN


def small_base(base) -> bool:
    return base is None or (isinstance(base, (int, float)) and base < SMALLEST_BASE)


def withheld_in_group(counts: list) -> list[bool]:
    """Which cells of a group (counts that sum to a total shown elsewhere) to withhold: every
    small one, and, where that leaves exactly one withheld, the smallest other cell as well
    (so two or more unknowns share what the total gives away). Zeros are withheld as the
    second cell only when nothing else is left; a group of one cell cannot be protected by
    its members, so the caller withholds its total instead."""
    withheld = [is_small(c) for c in counts]
    if sum(withheld) == 1:
        others = [(c, i) for i, c in enumerate(counts) if not withheld[i] and isinstance(c, int)]
        if others:
            non_zero = [o for o in others if o[0] > 0]
            _, index = min(non_zero or others)
            withheld[index] = True
    return withheld


def shown_count(count, withheld: bool):
    return SUPPRESSED if withheld else count


def shown_share(share, base, count_withheld: bool = False):
    """A percentage, or [c] when its count is withheld (share × base would give it back) or its
    base is under 10."""
    if share is None:
        return None
    return SUPPRESSED if count_withheld or small_base(base) else share
