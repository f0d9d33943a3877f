"""Summary statistics of per-utterance scores: mean and a Student-t confidence interval.

With ``n`` utterances scoring ``x_1..x_n``, the two-sided ``confidence`` interval of the mean is
``mean ± t_{(1+confidence)/2, n-1} * s / sqrt(n)``, ``s`` being the sample standard deviation
(``ddof=1``). It assumes utterances are independent draws; it says how precisely the test set
pins the mean down, not how much utterances vary (that is ``std``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    """Mean of ``n`` finite values, half-width ``ci`` of its confidence interval, and ``std``.

    ``ci`` and ``std`` are NaN when ``n < 2``; every field is NaN when ``n == 0``.
    """

    n: int
    mean: float
    ci: float
    std: float
    confidence: float = 0.95

    def to_dict(self) -> dict:
        # JSON has no NaN: missing values become null.
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def mean_ci(values, confidence: float = 0.95) -> Summary:
    """Mean and Student-t ``confidence`` interval of ``values`` (NaN and None are skipped).

    >>> s = mean_ci([1.0, 2.0, 3.0])
    >>> round(s.mean, 6), round(s.ci, 4)   # t_{0.975, 2} = 4.3027, s = 1
    (2.0, 2.4841)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    x = np.array([v for v in values if v is not None], dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Summary(0, math.nan, math.nan, math.nan, confidence)
    mean = float(np.mean(x))
    if n < 2:
        return Summary(1, mean, math.nan, math.nan, confidence)
    from scipy.stats import t

    std = float(np.std(x, ddof=1))
    half = float(t.ppf(0.5 + confidence / 2, df=n - 1) * std / math.sqrt(n))
    return Summary(n, mean, half, std, confidence)
