{#- The columns that stamp a history row with the build that wrote it: invocation_id (dbt's id
    of the run), built_at (when the run started, UTC, to the microsecond) and as_of_date (the
    analysis date the build computed as of). -#}
{% macro build_stamp_columns() -%}
    '{{ invocation_id }}' as invocation_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ api.Column.translate_type('timestamp') }})
        as built_at,
    {{ as_of_date() }} as as_of_date
{%- endmacro %}
