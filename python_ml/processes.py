"""Running a CPU-bound step in a forked child process.

dbt runs Python models inside its own process, on the same threads that compile and run the
other models and tests, and all of them share one interpreter lock. A model that fits many
small scikit-learn models is mostly Python-level work, so while the other dbt thread compiles
tests with Jinja both wait on the lock: on the real data segmentation_candidates took ~11 s in
the build for ~4 s of work. A forked child has its own interpreter, so the fit runs beside dbt
instead of taking turns with it.

The child inherits the loaded modules and the pandas arguments (fork, no re-import) and touches
no dbt or DuckDB state; only the result is pickled back.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")


def run_in_child_process(function: Callable[..., Result], *args: object, **kwargs: object) -> Result:
    """function(*args, **kwargs) computed in a forked child process; returns its result (which
    must pickle, as DataFrames do) and re-raises its exception here."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args, **kwargs).result()
