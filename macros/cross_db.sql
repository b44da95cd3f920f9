{#- Engine differences live here, behind adapter.dispatch, so models stay portable. -#}

{#- Parses an order-line timestamp written as ISO (2011-12-09 12:50:00) or as the original UCI
    export wrote it (12/9/2011 12:50); null when neither fits. -#}
{% macro parse_order_timestamp(column) -%}
    {{- return(adapter.dispatch('parse_order_timestamp', 'customer_analytics')(column)) -}}
{%- endmacro %}

{% macro default__parse_order_timestamp(column) -%}
    {{ dbt.safe_cast(column, api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{% macro duckdb__parse_order_timestamp(column) -%}
    coalesce(
        try_cast({{ column }} as timestamp),
        try_strptime({{ column }}, '%m/%d/%Y %H:%M'),
        try_strptime({{ column }}, '%m/%d/%Y %H:%M:%S')
    )
{%- endmacro %}

{% macro spark__parse_order_timestamp(column) -%}
    coalesce(
        try_to_timestamp({{ column }}),
        try_to_timestamp({{ column }}, 'M/d/yyyy H:mm'),
        try_to_timestamp({{ column }}, 'M/d/yyyy H:mm:ss')
    )
{%- endmacro %}

{#- A stable text key from several columns (md5 of their values joined with '|'). -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- ISO day of week: 1 = Monday … 7 = Sunday. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{- return(adapter.dispatch('iso_day_of_week', 'customer_analytics')(date_expr)) -}}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}

{#- Spark's dayofweek is 1 = Sunday … 7 = Saturday, as int; DuckDB's isodow is a bigint. -#}
{% macro spark__iso_day_of_week(date_expr) -%}
    cast(((dayofweek({{ date_expr }}) + 5) % 7) + 1 as bigint)
{%- endmacro %}

{#- Whole days from start_date to end_date. -#}
{% macro days_between(start_date, end_date) -%}
    {{- return(adapter.dispatch('days_between', 'customer_analytics')(start_date, end_date)) -}}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    {{- dbt.datediff(start_date, end_date, 'day') | trim -}}
{%- endmacro %}

{#- Spark's datediff gives an int; the marts' contracts (and DuckDB) have bigint. -#}
{% macro spark__days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') | trim }} as bigint)
{%- endmacro %}

{#- dbt-duckdb's datediff spreads over several lines and casts to timestamp; dates need neither. -#}
{% macro duckdb__days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{#- Casts a value, giving null instead of an error when it does not convert. dbt.safe_cast is a
    plain cast on dbt-duckdb, so the engines that have try_cast use it here. -#}
{% macro try_cast_to(column, data_type) -%}
    {{- return(adapter.dispatch('try_cast_to', 'customer_analytics')(column, data_type)) -}}
{%- endmacro %}

{% macro default__try_cast_to(column, data_type) -%}
    {{ dbt.safe_cast(column, data_type) }}
{%- endmacro %}

{% macro duckdb__try_cast_to(column, data_type) -%}
    try_cast({{ column }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast_to(column, data_type) -%}
    try_cast({{ column }} as {{ data_type }})
{%- endmacro %}

{#- Written after an import CTE's `as` (`order_lines as {{ not_materialized() }} (`, see
    dim_products) when several aggregations read it: each then scans the table for the
    columns it needs. DuckDB otherwise materialises a CTE referenced more than once, every
    row of it, which at 100M order lines is tens of GB spilled to disk. Other engines inline
    CTEs already. -#}
{% macro not_materialized() -%}
    {{- return(adapter.dispatch('not_materialized', 'customer_analytics')()) -}}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{#- A text value as an SQL string literal. -#}
{% macro text_literal(text) -%}
    {{- return(adapter.dispatch('text_literal', 'customer_analytics')(text)) -}}
{%- endmacro %}

{% macro default__text_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#- Spark SQL escapes with a backslash; two quotes in a row would end one literal and start the next. -#}
{% macro spark__text_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- Hooks around a model whose `row_number() ... <= N` filters DuckDB must compute as windows:
    its top_n_window_elimination rewrite turns them into grouped top-N aggregates, and in
    int_customer_recommendations_ranked at 100M order lines those spilled over 50 GB (a full
    disk) where the windows spill 9 GB. The option is instance-wide in DuckDB, so the post-hook
    puts it back for the models after. Other engines have no such rewrite. -#}
{% macro top_n_window_elimination(enabled) -%}
    {{- return(adapter.dispatch('top_n_window_elimination', 'customer_analytics')(enabled)) -}}
{%- endmacro %}

{% macro default__top_n_window_elimination(enabled) -%}
{%- endmacro %}

{% macro duckdb__top_n_window_elimination(enabled) -%}
    {%- if enabled -%}
        reset disabled_optimizers
    {%- else -%}
        set disabled_optimizers = 'top_n_window_elimination'
    {%- endif -%}
{%- endmacro %}
