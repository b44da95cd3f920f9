{#- Incremental line-level models append the lines of files they have not loaded yet: a
    condition on the file column that is true for every line on a full build. -#}
{% macro only_files_not_loaded_yet(column='source_file') -%}
    {%- if is_incremental() -%}
        {{ column }} not in (select distinct loaded.{{ column }} from {{ this }} as loaded)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
