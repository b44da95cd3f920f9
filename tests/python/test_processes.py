import os

import pandas as pd
import pytest

from python_ml.processes import run_in_child_process


def _describe_process(frame: pd.DataFrame, scale: int) -> pd.DataFrame:
    return frame.assign(doubled=frame["value"] * scale, pid=os.getpid())


def _fail(message: str) -> None:
    raise ValueError(message)


def test_child_process_returns_the_function_result_computed_elsewhere():
    frame = pd.DataFrame({"value": [1, 2, 3]})

    result = run_in_child_process(_describe_process, frame, scale=2)

    assert result["doubled"].tolist() == [2, 4, 6]
    assert set(result["pid"]) != {os.getpid()}


def test_child_process_error_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="bad input in row 7"):
        run_in_child_process(_fail, "bad input in row 7")
