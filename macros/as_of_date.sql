{#- The analysis date every figure is computed as of: var as_of_date when set, else the day
    after the latest staged order line. Lines on or after it are ignored by the customer marts,
    so a past as_of_date reproduces an earlier state. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', '') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (
            select cast({{ dbt.dateadd('day', 1, 'max(invoice_date)') }} as date)
            from {{ ref('stg_online_retail__order_lines') }}
        )
    {%- endif -%}
{%- endmacro %}
