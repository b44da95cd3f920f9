import os

import duckdb
import pandas as pd
import pytest

from python_ml.processes import run_in_child_process


def _describe_process(frame: pd.DataFrame, scale: int, label: str) -> pd.DataFrame:
    return frame.assign(doubled=frame["value"] * scale, label=label, pid=os.getpid())


def _fail(message: str) -> None:
    raise ValueError(message)


def test_child_process_computes_on_relations_and_returns_a_relation():
    session = duckdb.connect()
    values = session.sql("select * from (values (1, 1.5), (2, 2.5), (3, 3.5)) as t(value, share)")

    result = run_in_child_process(session, _describe_process, values, 2, label="x").order("value").df()

    assert result["doubled"].tolist() == [2, 4, 6]
    assert result["share"].tolist() == [1.5, 2.5, 3.5]
    assert result["label"].tolist() == ["x", "x", "x"]
    assert set(result["pid"]) != {os.getpid()}


def test_child_process_result_has_the_types_of_a_dataframe_returned_in_process():
    # dbt-duckdb turns a returned DataFrame into a table with DuckDB's own pandas conversion;
    # the Parquet hand-off must give the tables the same column types.
    session = duckdb.connect()
    values = session.sql(
        "select 1::bigint as value, date '2011-12-09' as day, 2.50::decimal(18, 2) as price, 'a' as code"
    )

    result = run_in_child_process(session, _describe_process, values, 2, label="x")

    in_process = session.from_df(_describe_process(values.df(), 2, label="x"))
    assert result.columns == in_process.columns
    assert result.types == in_process.types


def test_child_process_error_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="bad input in row 7"):
        run_in_child_process(duckdb.connect(), _fail, "bad input in row 7")
