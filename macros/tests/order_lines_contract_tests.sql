{#- Contract tests for the raw order lines (models/staging/_staging__sources.yml). Each reads the
    source once whatever the number of columns, because the source is a view over the input
    files and every scan re-reads them. -#}

{#- Fails with one row per listed column that has no value on any line (the header names it but
    the export left it empty), when there are lines at all. -#}
{% test columns_are_populated(model, column_names) %}
    with

    counts as (

        select
            count(*) as lines,
            {% for column in column_names -%}
            count(nullif(trim({{ column }}), '')) as {{ column }}_values{{ ',' if not loop.last }}
            {% endfor %}
        from {{ model }}

    ),

    checks as (

        {% for column in column_names -%}
        select
            '{{ column }}' as column_name,
            lines,
            {{ column }}_values as lines_with_a_value
        from counts
        {% if not loop.last %}union all{% endif %}
        {% endfor %}

    )

    select * from checks
    where lines > 0 and lines_with_a_value = 0
{% endtest %}

{#- Fails with one row per column whose non-empty values do not all convert: `casts` maps a column
    to a type, or to 'order_timestamp' for the invoice timestamp formats. The lines that fail are
    rejected in staging; this test counts them at the source. -#}
{% test values_are_castable(model, casts) %}
    with

    counts as (

        select
            {% for column, data_type in casts.items() -%}
            {%- set value = 'nullif(trim(' ~ column ~ "), '')" -%}
            {%- if data_type == 'order_timestamp' -%}
                {%- set converted = parse_order_timestamp(value) -%}
            {%- else -%}
                {%- set converted = try_cast_to(value, data_type) -%}
            {%- endif -%}
            count({{ value }}) as {{ column }}_values,
            count({{ converted }}) as {{ column }}_converted{{ ',' if not loop.last }}
            {% endfor %}
        from {{ model }}

    ),

    checks as (

        {% for column, data_type in casts.items() -%}
        select
            '{{ column }}' as column_name,
            '{{ data_type }}' as expected_type,
            {{ column }}_values - {{ column }}_converted as values_not_converting
        from counts
        {% if not loop.last %}union all{% endif %}
        {% endfor %}

    )

    select * from checks
    where values_not_converting > 0
{% endtest %}
