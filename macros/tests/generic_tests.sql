{#- The few generic tests this project needs (dbt Hub packages cannot be downloaded here). -#}

{#- Fails for each combination of the columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Fails for each row where the expression is false (nulls pass unless the expression
    says otherwise). -#}
{% test expression_is_true(model, expression, column_name=none, where=none) %}
    select *
    from {{ model }}
    where not ({{ expression }})
    {%- if where %} and ({{ where }}){% endif %}
{% endtest %}

{#- Fails with one row per listed column that has non-null values outside its range: `ranges`
    maps a column to {min_value, max_value} (either bound optional, both inclusive). One test node
    per model, like columns_are_not_null. -#}
{% test columns_are_in_ranges(model, ranges) %}
    with

    out_of_range_counts as (

        {% for column, bounds in ranges.items() -%}
        select
            '{{ column }}' as column_name,
            count(*) as rows_out_of_range
        from {{ model }}
        where
            {{ column }} is not null
            and (
                false
                {%- if bounds.min_value is defined %}
                or {{ column }} < {{ bounds.min_value }}
                {%- endif %}
                {%- if bounds.max_value is defined %}
                or {{ column }} > {{ bounds.max_value }}
                {%- endif %}
            )
        {% if not loop.last %}union all{% endif %}
        {% endfor %}

    )

    select * from out_of_range_counts
    where rows_out_of_range > 0
{% endtest %}

{#- Fails with one row per listed column that holds a null, naming the column and how many rows.
    One test node per model instead of one per column: with hundreds of required columns the
    per-node overhead, not the scans, was a third of the build's test time. Each branch reads
    one column, which a columnar engine scans on its own. -#}
{% test columns_are_not_null(model, column_names) %}
    with

    null_counts as (

        {% for column in column_names -%}
        select
            '{{ column }}' as column_name,
            count(*) - count({{ column }}) as null_rows
        from {{ model }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}

    )

    select * from null_counts
    where null_rows > 0
{% endtest %}
