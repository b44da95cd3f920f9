"""Running a dbt Python model's CPU-bound step in a child process, with frames handed over as
Parquet files.

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
interpreter that imports the python_ml modules below once; children fork from it, small.

The frames do not pass through dbt's process either: DuckDB writes each input relation to a
Parquet file, the child reads it into pandas, and writes its result the same way for DuckDB to
read. Pickled DataFrames (inputs, the result, and the pickles of both) held ~2 GB in dbt's
process at 1M customers, beside DuckDB at its cap, which took the 100M build past 12 GB. Both
conversions are DuckDB's own, the ones dbt-duckdb applies to a returned DataFrame, so the
tables get the same column types as before.
"""

from __future__ import annotations

import atexit
import multiprocessing
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

import duckdb
import pandas as pd

# The modules whose functions run in children (the heavy imports: scikit-learn, statsmodels).
CHILD_MODULES = (
    "python_ml.clustering",
    "python_ml.customer_value",
    "python_ml.forecasting",
    "python_ml.segment_classifier",
)


@dataclass(frozen=True)
class _ParquetFrame:
    """An argument handed to the child as a Parquet file; the child passes it on as a DataFrame."""

    path: str


def child_process_context() -> BaseContext:
    """The multiprocessing context children start from: 'forkserver', its server (started once
    per process, on first use) preloading CHILD_MODULES."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(CHILD_MODULES))
    return context


def run_in_child_process(
    session: duckdb.DuckDBPyConnection,
    function: Callable[..., pd.DataFrame],
    *args: object,
    **kwargs: object,
) -> duckdb.DuckDBPyRelation:
    """function(*args, **kwargs) computed in a child process. DuckDB relations among the
    arguments reach function as DataFrames (other arguments are pickled); function's DataFrame
    comes back as a relation on session, read from a Parquet file that is deleted when this
    process exits. function's exception is re-raised here."""
    folder = Path(tempfile.mkdtemp(prefix="python_ml_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    handed_args = [_hand_over(value, folder / f"arg_{i}.parquet") for i, value in enumerate(args)]
    handed_kwargs = {name: _hand_over(value, folder / f"kwarg_{name}.parquet") for name, value in kwargs.items()}
    result_path = str(folder / "result.parquet")
    with ProcessPoolExecutor(max_workers=1, mp_context=child_process_context()) as pool:
        pool.submit(_call_on_frames, function, handed_args, handed_kwargs, result_path).result()
    for value in [*handed_args, *handed_kwargs.values()]:
        if isinstance(value, _ParquetFrame):
            Path(value.path).unlink()
    return session.read_parquet(result_path)


def _hand_over(value: object, path: Path) -> object:
    """value itself, or for a DuckDB relation a _ParquetFrame of the file DuckDB wrote it to."""
    if not isinstance(value, duckdb.DuckDBPyRelation):
        return value
    value.write_parquet(str(path))
    return _ParquetFrame(str(path))


def _call_on_frames(
    function: Callable[..., pd.DataFrame], args: list[object], kwargs: dict[str, object], result_path: str
) -> None:
    """In the child: reads the _ParquetFrame arguments into DataFrames, calls function with them
    and writes its DataFrame to result_path."""
    connection = duckdb.connect()

    def take(value: object) -> object:
        return connection.read_parquet(value.path).df() if isinstance(value, _ParquetFrame) else value

    result = function(*map(take, args), **{name: take(value) for name, value in kwargs.items()})
    connection.from_df(result).write_parquet(result_path)
