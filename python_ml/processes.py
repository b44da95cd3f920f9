"""Running CPU-bound steps in child processes.

dbt runs Python models inside its own process, on the same threads that compile and run the
other models and tests, and all of them share one interpreter lock. A model that fits many
small scikit-learn models is mostly Python-level work, so while the other dbt thread compiles
tests with Jinja both wait on the lock: on the real data segmentation_candidates took ~11 s in
the build for ~4 s of work. A child process has its own interpreter, so the fit runs beside dbt
instead of taking turns with it.

Children start from a fork server, not by forking dbt: a child forked from dbt shares dbt's
pages copy-on-write, DuckDB's buffers included, and every page DuckDB rewrites or frees while
the child lives stays behind in the child. At 100M order lines, with DuckDB at its 9.4 GB cap
on the other thread, the build's memory reached 19.6 GB that way. The server is a fresh
interpreter that imports the python_ml modules below once; children fork from it, small. The
arguments and the result are pickled both ways (as they were with fork: the pool sends them).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import TypeVar

Result = TypeVar("Result")

# The modules whose functions run in children (the heavy imports: scikit-learn, statsmodels).
CHILD_MODULES = (
    "python_ml.clustering",
    "python_ml.customer_value",
    "python_ml.forecasting",
    "python_ml.segment_classifier",
)


def child_process_context() -> BaseContext:
    """The multiprocessing context children start from: 'forkserver', its server (started once
    per process, on first use) preloading CHILD_MODULES."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(CHILD_MODULES))
    return context


def run_in_child_process(function: Callable[..., Result], *args: object, **kwargs: object) -> Result:
    """function(*args, **kwargs) computed in a child process; returns its result (which must
    pickle, as DataFrames do) and re-raises its exception here."""
    with ProcessPoolExecutor(max_workers=1, mp_context=child_process_context()) as pool:
        return pool.submit(function, *args, **kwargs).result()
