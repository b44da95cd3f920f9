{#- The input contract: order lines in the shape of UCI Online Retail (InvoiceNo, StockCode,
    Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country) or Online Retail II
    (Invoice, Price, "Customer ID"), as one CSV/Parquet file or a glob of them. Before every run
    they are registered as the view staging.raw_order_lines with canonical snake_case names, every
    value as text (typing happens in staging, so a bad value becomes a rejected line, not a
    failed load), plus the file and the 1-based data row each line came from. -#}

{% macro order_lines_path() -%}
    {{- return(var('raw_order_lines', env_var('RAW_ORDER_LINES', 'data/synthetic/order_lines/*.csv'))) -}}
{%- endmacro %}

{#- Canonical column -> accepted spellings, compared lowercased with spaces/underscores removed. -#}
{% macro order_line_column_aliases() -%}
    {{- return({
        'invoice_no': ['invoiceno', 'invoice', 'invoicenumber'],
        'stock_code': ['stockcode'],
        'description': ['description'],
        'quantity': ['quantity'],
        'invoice_date': ['invoicedate'],
        'unit_price': ['unitprice', 'price'],
        'customer_id': ['customerid'],
        'country': ['country'],
    }) -}}
{%- endmacro %}

{% macro register_order_lines() -%}
    {{- return(adapter.dispatch('register_order_lines', 'customer_analytics')()) -}}
{%- endmacro %}

{% macro duckdb__register_order_lines() -%}
    {%- if not execute -%}{{- return('') -}}{%- endif -%}
    {%- set path = order_lines_path() -%}
    {%- set quoted_path = "'" ~ (path | replace("'", "''")) ~ "'" -%}
    {%- set first_file = duckdb__first_order_lines_file(path, quoted_path) -%}
    {%- if path.lower().endswith('.parquet') -%}
        {%- set reader = "read_parquet(" ~ quoted_path ~ ", filename = true, file_row_number = true)" -%}
    {%- else -%}
        {%- set reader = "read_csv(" ~ quoted_path ~ ", header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', filename = true)" -%}
    {%- endif -%}
    {%- set found = run_query("describe select * from " ~ reader).columns[0].values() | list -%}
    {%- set column_for = resolve_order_line_columns(found, first_file) -%}

    create schema if not exists staging;
    create or replace view staging.raw_order_lines as
    with scanned as (
        select
            {% for canonical, source_column in column_for.items() -%}
            cast("{{ source_column }}" as varchar) as {{ canonical }},
            {% endfor -%}
            filename as source_file,
            {% if path.lower().endswith('.parquet') -%}
            cast(file_row_number as bigint) + 1 as source_row_number
            {%- else -%}
            {#- CSV has no row-number column; the scan keeps file and row order
                (preserve_insertion_order), so a running number restarted per file is the
                line's data row. -#}
            row_number() over () as scan_order
            {%- endif %}
        from {{ reader }}
    )

    {% if path.lower().endswith('.parquet') -%}
    select * from scanned
    {%- else -%}
    select
        {% for canonical in column_for -%}
        {{ canonical }},
        {% endfor -%}
        source_file,
        scan_order - min(scan_order) over (partition by source_file) + 1 as source_row_number
    from scanned
    {%- endif %}
{%- endmacro %}

{% macro duckdb__first_order_lines_file(path, quoted_path) -%}
    {%- set files = run_query("select file from glob(" ~ quoted_path ~ ") order by file limit 1").columns[0].values() | list -%}
    {%- if files | length == 0 -%}
        {{- exceptions.raise_compiler_error(
            "raw_order_lines: no file matches '" ~ path ~ "'. Expected a CSV or Parquet file, or a glob "
            ~ "of them (e.g. 'data/by-day/*.csv'), set with --vars '{raw_order_lines: ...}' or the "
            ~ "environment variable RAW_ORDER_LINES. Relative paths resolve against the directory dbt runs in.") -}}
    {%- endif -%}
    {{- return(files[0]) -}}
{%- endmacro %}

{#- Maps each canonical column to the column found in the file; stops the build with the file,
    the missing column and what was expected when a required column is absent. -#}
{% macro resolve_order_line_columns(found_columns, first_file) -%}
    {%- set column_for = {} -%}
    {%- for canonical, spellings in order_line_column_aliases().items() -%}
        {%- for found in found_columns -%}
            {%- set key = found | lower | replace(' ', '') | replace('_', '') | replace('\ufeff', '') -%}
            {%- if key in spellings and canonical not in column_for -%}
                {%- do column_for.update({canonical: found}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if canonical not in column_for -%}
            {{- exceptions.raise_compiler_error(
                "raw_order_lines: file '" ~ first_file ~ "' has no column " ~ canonical
                ~ " (accepted names: " ~ (spellings | join(', ')) ~ "; case, spaces and underscores ignored). "
                ~ "Columns found: " ~ (found_columns | join(', ')) ~ ". Expected the columns "
                ~ "InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country "
                ~ "(or the Online Retail II names Invoice, Price, Customer ID).") -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(column_for) -}}
{%- endmacro %}
