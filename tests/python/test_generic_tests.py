"""The project's model-level generic tests (macros/tests/generic_tests.sql) fail on exactly the
columns that break them: each test's SQL is run on a small hand-made relation with `dbt show`."""

from __future__ import annotations

import json

# a: 1 null; b: no null, one value below 0; c: 2 nulls, values within [0, 3];
# d: one value above 5 and one below 1.
RELATION = "(select * from (values (1, 0.5, null, 7), (null, -1, null, 0), (2, 0, 3, 3)) as t (a, b, c, d))"
QUERY = f"""
select 'columns_are_not_null' as test, column_name, null_rows as failing_rows
from ({{{{ test_columns_are_not_null(model='{RELATION}', column_names=['a', 'b', 'c']) }}}}) as nulls
union all
select 'columns_are_in_ranges', column_name, rows_out_of_range
from ({{{{ test_columns_are_in_ranges(model='{RELATION}', ranges={{
    'b': {{'min_value': 0}}, 'c': {{'min_value': 0, 'max_value': 3}}, 'd': {{'min_value': 1, 'max_value': 5}}
}}) }}}}) as ranges
order by test, column_name
"""


def test_column_tests_name_each_failing_column_and_count_its_rows(dbt):
    run = dbt(["show", "--inline", QUERY, "--output", "json", "--limit", "-1"])
    assert run.returncode == 0, run.output
    shown = json.loads(run.output[run.output.index("{") : run.output.rindex("}") + 1])["show"]
    assert [(row["test"], row["column_name"], row["failing_rows"]) for row in shown] == [
        ("columns_are_in_ranges", "b", 1),
        ("columns_are_in_ranges", "d", 2),
        ("columns_are_not_null", "a", 1),
        ("columns_are_not_null", "c", 2),
    ]
