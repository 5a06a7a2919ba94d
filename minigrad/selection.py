"""PyTorch's CPU ``topk``, ties in its order, on numpy.

ATen puts each row's (value, index) pairs in a vector and, when ``k * 64 <= n``, calls
``std::partial_sort`` on it, else ``std::nth_element`` at k - 1 and (for ``sorted=True``)
``std::sort`` of the first k - 1; NaN counts as the largest. Which of several equal values
comes first is decided by those algorithms, so the ones below are libstdc++'s, step by
step. A row whose values are all different has one answer whatever the algorithm: it is
taken with numpy's sort. Plain numpy and Python; ``tensor_reductions`` wraps it.
"""

import numpy as np

__all__ = ["topk_indices"]

_INSERTION_LIMIT = 16  # libstdc++'s _S_threshold: shorter ranges are insertion-sorted


def topk_indices(array, k, largest, sorted):
    """The indices of the ``k`` largest (smallest) values along the last axis of ``array``."""
    rows = array.reshape(-1, array.shape[-1])
    picked = np.empty((rows.shape[0], k), np.int64)
    for r, row in enumerate(rows):
        picked[r] = _row_topk(row, k, largest, sorted)
    return picked.reshape(array.shape[:-1] + (k,))


def _row_topk(row, k, largest, sorted):
    n = row.size
    if sorted and row.dtype.kind in "fiu":
        order = np.argsort(row, kind="stable")
        ordered = row[order]
        if not (np.any(ordered[1:] == ordered[:-1]) or np.isnan(ordered[-1:]).any()):  # no ties, no NaN
            return (order[::-1] if largest else order)[:k]
    before = _comparator(row.tolist(), largest)
    queue = list(range(n))
    if k * 64 <= n:
        _heap_select(queue, 0, k, n, before)
        _sort_heap(queue, 0, k, before)
    elif k:
        _introselect(queue, 0, k - 1, n, 2 * _log2(n), before)
        if sorted:
            _sort(queue, 0, k - 1, before)
    return queue[:k]


def _log2(n):
    return n.bit_length() - 1  # libstdc++'s __lg


def _comparator(values, largest):
    """``before(i, j)``: ATen's ordering of positions i and j (NaN first when largest, last when not)."""
    nan = [v != v for v in values]
    if largest:
        return lambda i, j: (nan[i] and not nan[j]) or values[i] > values[j]
    return lambda i, j: (not nan[i] and nan[j]) or values[i] < values[j]


# ----- libstdc++'s <bits/stl_algo.h> and <bits/stl_heap.h> on a list, positions as ints -----

def _sort(a, first, last, before):
    """``std::sort``: introsort down to ranges of 16, then one insertion sort."""
    if last - first > 1:
        _introsort_loop(a, first, last, 2 * _log2(last - first), before)
        _final_insertion_sort(a, first, last, before)


def _introsort_loop(a, first, last, depth, before):
    while last - first > _INSERTION_LIMIT:
        if depth == 0:
            _heap_select(a, first, last, last, before)
            _sort_heap(a, first, last, before)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, before)
        _introsort_loop(a, cut, last, depth, before)
        last = cut


def _introselect(a, first, nth, last, depth, before):
    """``std::nth_element``: partition until the range holding nth is 3 long or less."""
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, before)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, before)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, before)


def _partition_pivot(a, first, last, before):
    mid = first + (last - first) // 2
    _median_to_first(a, first, first + 1, mid, last - 1, before)
    return _unguarded_partition(a, first + 1, last, first, before)


def _median_to_first(a, result, x, y, z, before):
    if before(a[x], a[y]):
        pick = y if before(a[y], a[z]) else z if before(a[x], a[z]) else x
    else:
        pick = x if before(a[x], a[z]) else z if before(a[y], a[z]) else y
    a[result], a[pick] = a[pick], a[result]


def _unguarded_partition(a, first, last, pivot, before):
    while True:
        while before(a[first], a[pivot]):
            first += 1
        last -= 1
        while before(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _final_insertion_sort(a, first, last, before):
    if last - first > _INSERTION_LIMIT:
        _insertion_sort(a, first, first + _INSERTION_LIMIT, before)
        for i in range(first + _INSERTION_LIMIT, last):
            _linear_insert(a, i, before)
    else:
        _insertion_sort(a, first, last, before)


def _insertion_sort(a, first, last, before):
    for i in range(first + 1, last):
        if before(a[i], a[first]):
            a[first:i + 1] = [a[i]] + a[first:i]
        else:
            _linear_insert(a, i, before)


def _linear_insert(a, last, before):
    value = a[last]
    while before(value, a[last - 1]):
        a[last] = a[last - 1]
        last -= 1
    a[last] = value


def _heap_select(a, first, middle, last, before):
    _make_heap(a, first, middle, before)
    for i in range(middle, last):
        if before(a[i], a[first]):
            value, a[i] = a[i], a[first]
            _adjust_heap(a, first, 0, middle - first, value, before)


def _sort_heap(a, first, last, before):
    while last - first > 1:
        last -= 1
        value, a[last] = a[last], a[first]
        _adjust_heap(a, first, 0, last - first, value, before)


def _make_heap(a, first, last, before):
    length = last - first
    for parent in range((length - 2) // 2, -1, -1) if length >= 2 else ():
        _adjust_heap(a, first, parent, length, a[first + parent], before)


def _adjust_heap(a, first, hole, length, value, before):
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if before(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and before(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole, parent = parent, (parent - 1) // 2
    a[first + hole] = value
