{#- The analysis date every figure is computed as of: var as_of_date when set, else the day
    after the latest staged order line. Lines on or after it are ignored by the customer marts,
    so a past as_of_date reproduces an earlier state.

    The latest line is looked up when the model runs and written into its SQL as a date: engines
    push a comparison with a constant down into the scan, not one with a subquery. (At 10M lines
    the query of a one-day merge of int_product_lines_aggregated_to_days took 0.05 s with the
    date and its lines CTE not materialized, 0.29-0.30 s with either alone.) Where the staged
    lines are not built yet (a compile before the first build, a unit test) it stays a
    subquery. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', '') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        {%- set staged_lines = ref('stg_online_retail__order_lines') -%}
        {%- set as_of_query -%}
            select cast({{ dbt.dateadd('day', 1, 'max(invoice_date)') }} as date)
            from {{ staged_lines }}
        {%- endset -%}
        {%- if execute and load_relation(staged_lines) is not none -%}
            {%- set as_of = run_query(as_of_query).columns[0].values()[0] -%}
            {%- if as_of is none -%}
                cast(null as date)
            {%- else -%}
                cast('{{ as_of }}' as date)
            {%- endif -%}
        {%- else -%}
            ({{ as_of_query }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
