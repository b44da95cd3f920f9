{#- The input contract: order lines in the shape of UCI Online Retail (InvoiceNo, StockCode,
    Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country) or Online Retail II
    (Invoice, Price, "Customer ID"), as one CSV/Parquet file or a glob of them. Before every run
    they are registered as the view staging.raw_order_lines with canonical snake_case names, every
    value as text (typing happens in staging, so a bad value becomes a rejected line, not a
    failed load), plus the file and the 1-based data row each line came from.

    Problems with a whole file, or with a line the CSV reader cannot split into fields, stop the
    build here with a compilation error naming the file, the line and column where they apply,
    and what was expected: an empty file, a file that is not UTF-8 text, a header without a
    required column, a line with more or fewer fields than the header, an unterminated quote.
    Nothing is skipped silently: the view reads with every CSV option explicit (no sniffing, no
    ignore_errors), so a line it cannot read fails the build rather than vanishing. -#}

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

{#- Field delimiters recognised in a CSV header, most usual first (a tie goes to the first). -#}
{% macro order_line_delimiters() -%}
    {{- return([',', ';', '\t', '|']) -}}
{%- endmacro %}

{% macro register_order_lines() -%}
    {{- return(adapter.dispatch('register_order_lines', 'customer_analytics')()) -}}
{%- endmacro %}

{% macro duckdb__register_order_lines() -%}
    {%- if not execute -%}{{- return('') -}}{%- endif -%}
    {%- set path = order_lines_path() -%}
    {%- set quoted_path = text_literal(path) -%}
    {%- if path.lower().endswith('.parquet') -%}
        {%- set first_file = duckdb__first_order_lines_file(path, quoted_path) -%}
        {%- set reader = "read_parquet(" ~ quoted_path ~ ", filename = true, file_row_number = true)" -%}
        {%- set found = run_query("describe select * from " ~ reader).columns[0].values() | list -%}
        {%- set column_for = resolve_order_line_columns(found, first_file, 1) -%}
        {%- set scanned -%}
            select
                {% for canonical, source_column in column_for.items() -%}
                cast("{{ source_column }}" as varchar) as {{ canonical }},
                {% endfor -%}
                filename as source_file,
                cast(file_row_number as bigint) + 1 as source_row_number
            from {{ reader }}
        {%- endset -%}
    {%- else -%}
        {#- After the first build only files not loaded yet are read: a nightly build reads the
            new day's file, not the whole history. -#}
        {%- set groups = duckdb__checked_csv_header_groups(path, quoted_path) -%}
        {%- set scanned -%}
            {% for group in groups -%}
            {#- CSV has no row-number column; the scan keeps file and row order
                (preserve_insertion_order), so a running number restarted per file is the
                line's data row. -#}
            select
                *,
                scan_order - min(scan_order) over (partition by source_file) + 1 as source_row_number
            from (
                select
                    {% for canonical, field in group.column_for.items() -%}
                    {{ field }} as {{ canonical }},
                    {% endfor -%}
                    filename as source_file,
                    row_number() over () as scan_order
                from {{ duckdb__order_lines_csv_reader(group, false) }}
            )
            {% if not loop.last %}union all{% endif %}
            {% else -%}
            select
                {% for canonical in order_line_column_aliases() -%}
                cast(null as varchar) as {{ canonical }},
                {% endfor -%}
                cast(null as varchar) as source_file,
                cast(null as bigint) as source_row_number
            where false
            {% endfor -%}
        {%- endset -%}
    {%- endif %}

    create schema if not exists staging;
    create or replace view staging.raw_order_lines as
    select
        {% for canonical in order_line_column_aliases() -%}
        {{ canonical }},
        {% endfor -%}
        source_file,
        source_row_number
    from ({{ scanned }})
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

{#- read_csv over one group of files sharing a header, with every option explicit: the sniffer
    is off because it mis-detects escapes on real exports and, on a small file, skips a line it
    cannot fit instead of failing. Fields are named c1..cN by position, so any header spelling
    (quotes, duplicates, odd characters) is safe. With `store_rejects`, lines the reader cannot
    split are recorded in a temporary table instead of failing the scan (used by the check). -#}
{% macro duckdb__order_lines_csv_reader(group, store_rejects, rejects_table='order_lines_read_errors') -%}
    {%- set files = [] -%}
    {%- for file in group.files -%}{%- do files.append(text_literal(file)) -%}{%- endfor -%}
    {%- set columns = [] -%}
    {%- for name in group.header -%}{%- do columns.append("'c" ~ loop.index ~ "': 'VARCHAR'") -%}{%- endfor -%}
    read_csv(
        [{{ files | join(', ') }}],
        header = true,
        auto_detect = false,
        columns = { {{- columns | join(', ') -}} },
        delim = {{ text_literal(group.delimiter) }},
        quote = '"',
        escape = '"',
        encoding = {{ text_literal(var('raw_order_lines_encoding')) }},
        filename = true
        {%- if store_rejects %},
        store_rejects = true,
        rejects_table = '{{ rejects_table }}',
        rejects_scan = '{{ rejects_table }}_scans'
        {%- endif %}
    )
{%- endmacro %}

{#- Reads the size and first line of every file matched by the glob that is not loaded yet and
    groups those files by header line. Stops the build on an empty file, a file whose first line
    is not text, a header without a required column, or a line the CSV reader cannot split.
    Returns one group per distinct header: {files, header (names), delimiter, column_for}. -#}
{% macro duckdb__checked_csv_header_groups(path, quoted_path) -%}
    {%- do duckdb__first_order_lines_file(path, quoted_path) -%}
    {#- read_blob reads whole files, so only the new ones are read: a nightly build reads one day,
        not the history (0.8 s of a one-day build at 10M lines). -#}
    {%- set new_files = [] -%}
    {%- for file in duckdb__order_line_files_not_loaded_yet(quoted_path) -%}
        {%- do new_files.append(text_literal(file)) -%}
    {%- endfor -%}
    {%- if not new_files -%}{{- return([]) -}}{%- endif -%}
    {#- The header is the bytes before the first line feed in the first 4 KiB, found on the hex
        text (two digits a byte) so that invalid bytes further on do not hide it. -#}
    {%- set inventory_sql -%}
        select
            filename,
            size,
            try(decode(unhex(regexp_extract(
                hex(content[1:4096]), '^((?:[0-9A-F]{2})*?)(?:0A|$)', 1
            )))) as header_line
        from read_blob([{{ new_files | join(', ') }}])
        order by filename
    {%- endset -%}
    {%- set inventory = run_query(inventory_sql) -%}
    {%- set groups = {} -%}
    {%- set group_order = [] -%}
    {%- for row in inventory.rows -%}
        {%- if row['size'] == 0 -%}
            {{- exceptions.raise_compiler_error(
                "raw_order_lines: file '" ~ row['filename'] ~ "' is empty (0 bytes). Expected a CSV file "
                ~ "whose first line is the header (InvoiceNo,StockCode,Description,Quantity,InvoiceDate,"
                ~ "UnitPrice,CustomerID,Country); a day without orders is a file with only the header line. "
                ~ "An empty file usually means the export failed: re-export it or remove it from the input.") -}}
        {%- endif -%}
        {%- if row['header_line'] is none -%}
            {{- exceptions.raise_compiler_error(
                "raw_order_lines: file '" ~ row['filename'] ~ "' is not a CSV text file: its first line is not "
                ~ "text (a binary file such as a spreadsheet, an archive or an image?). Expected a CSV file "
                ~ "with a header line (InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
                ~ "CustomerID,Country) and one order line per row.") -}}
        {%- endif -%}
        {%- set header_line = row['header_line'] | replace('\r', '') | replace('\ufeff', '') -%}
        {%- if header_line not in groups -%}
            {%- do groups.update({header_line: []}) -%}
            {%- do group_order.append(header_line) -%}
        {%- endif -%}
        {%- do groups[header_line].append(row['filename']) -%}
    {%- endfor -%}

    {%- set checked = [] -%}
    {%- for header_line in group_order -%}
        {%- set files = groups[header_line] -%}
        {%- set delimiter = duckdb__header_delimiter(header_line) -%}
        {%- set header = [] -%}
        {%- for name in header_line.split(delimiter) -%}
            {%- do header.append(name.strip().strip('"').strip()) -%}
        {%- endfor -%}
        {%- set name_for = resolve_order_line_columns(header, files[0], files | length) -%}
        {%- set column_for = {} -%}
        {%- for canonical, name in name_for.items() -%}
            {%- do column_for.update({canonical: 'c' ~ (header.index(name) + 1)}) -%}
        {%- endfor -%}
        {%- set group = {'files': files, 'header': header, 'delimiter': delimiter, 'column_for': column_for} -%}
        {%- do duckdb__raise_on_unreadable_lines(group) -%}
        {%- do checked.append(group) -%}
    {%- endfor -%}
    {{- return(checked) -}}
{%- endmacro %}

{#- The delimiter that splits the header into the most fields. -#}
{% macro duckdb__header_delimiter(header_line) -%}
    {%- set best = {'delimiter': ',', 'count': 0} -%}
    {%- for candidate in order_line_delimiters() -%}
        {%- set count = header_line.count(candidate) -%}
        {%- if count > best['count'] -%}
            {%- do best.update({'delimiter': candidate, 'count': count}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(best['delimiter']) -}}
{%- endmacro %}

{#- The files of the glob (sorted) that an incremental build has not loaded yet: all of them on a
    full refresh, a first build or a full-build model. Files already loaded are skipped: they
    were checked when they were loaded. -#}
{% macro duckdb__order_line_files_not_loaded_yet(quoted_path) -%}
    {%- set base = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', 'base_online_retail__order_lines_typed')
        | list -%}
    {%- set loaded = none -%}
    {%- if not flags.FULL_REFRESH and base and base[0].config.materialized == 'incremental' -%}
        {#- The relation cache is still empty when on-run-start runs, so ask the catalog. -#}
        {%- set exists_query -%}
            select count(*) from information_schema.tables
            where table_schema = '{{ base[0].schema }}' and table_name = '{{ base[0].alias }}'
        {%- endset -%}
        {%- if run_query(exists_query).columns[0].values()[0] > 0 -%}
            {%- set loaded = api.Relation.create(
                database=base[0].database, schema=base[0].schema, identifier=base[0].alias) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set new_files_query -%}
        select file from glob({{ quoted_path }})
        {% if loaded is not none -%}
        where file not in (select distinct source_file from {{ loaded }})
        {%- endif %}
        order by file
    {%- endset -%}
    {{- return(run_query(new_files_query).columns[0].values() | list) -}}
{%- endmacro %}

{#- Reads every line of the files of a group once, recording the lines the CSV reader cannot split
    (wrong number of fields, unterminated quote, bytes that are not valid text in the encoding),
    and stops the build on the first one with its file, line, column and what was expected.
    Every field is counted: the reader checks the encoding only of the values it returns. -#}
{% macro duckdb__raise_on_unreadable_lines(group) -%}
    {%- do run_query("drop table if exists order_lines_read_errors") -%}
    {%- do run_query("drop table if exists order_lines_read_errors_scans") -%}
    {%- set check_sql -%}
        select
            {% for name in group.header -%}
            count(c{{ loop.index }}) as c{{ loop.index }}_values{{ ',' if not loop.last }}
            {% endfor -%}
        from {{ duckdb__order_lines_csv_reader(group, true) }}
    {%- endset -%}
    {%- do run_query(check_sql) -%}
    {%- set errors_sql -%}
        select
            scans.file_path,
            errors.line,
            errors.column_name,
            errors.error_type,
            left(errors.csv_line, 300) as csv_line,
            errors.error_message
        from order_lines_read_errors as errors
        inner join order_lines_read_errors_scans as scans
            on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
        order by errors.file_id, errors.line
        limit 1
    {%- endset -%}
    {%- set errors = run_query(errors_sql) -%}
    {%- if errors.rows | length > 0 -%}
        {%- set error = errors.rows[0] -%}
        {%- set where = "file '" ~ error['file_path'] ~ "', line " ~ error['line'] ~ " (the header is line 1)" -%}
        {%- if error['column_name'] -%}
            {%- set where = where ~ ", column " ~ group.header[(error['column_name'][1:] | int) - 1] -%}
        {%- endif -%}
        {%- if error['error_type'] == 'INVALID ENCODING' -%}
            {%- set expected = "Expected " ~ var('raw_order_lines_encoding') ~ " text: the file is in another encoding "
                ~ "(Latin-1 / Windows-1252?). Re-export it as UTF-8, or set var raw_order_lines_encoding to 'latin-1' "
                ~ "to read every input file as Latin-1." -%}
        {%- elif error['error_type'] in ('TOO MANY COLUMNS', 'MISSING COLUMNS') -%}
            {%- set expected = "Expected " ~ (group.header | length) ~ " fields separated by '" ~ group.delimiter
                ~ "', like the header; a value containing the delimiter, a quote or a line break must be enclosed "
                ~ "in double quotes (\"), with quotes inside it doubled." -%}
        {%- elif error['error_type'] == 'UNQUOTED VALUE' -%}
            {%- set expected = "Expected every quoted value to end with a closing double quote (\") followed by the "
                ~ "delimiter or the end of the line, and quotes inside a value to be doubled." -%}
        {%- else -%}
            {%- set expected = "Expected a CSV line with " ~ (group.header | length) ~ " fields separated by '"
                ~ group.delimiter ~ "'." -%}
        {%- endif -%}
        {{- exceptions.raise_compiler_error(
            "raw_order_lines: " ~ where ~ " cannot be read: " ~ error['error_message'] ~ " " ~ expected
            ~ " The line: " ~ error['csv_line']) -}}
    {%- endif -%}
{%- endmacro %}

{#- Maps each canonical column to the column found in the file; stops the build with the file,
    the missing column and what was expected when a required column is absent. -#}
{% macro resolve_order_line_columns(found_columns, first_file, file_count) -%}
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
                "raw_order_lines: file '" ~ first_file ~ "'"
                ~ (" (and " ~ (file_count - 1) ~ " more with the same header)" if file_count > 1 else "")
                ~ " has no column " ~ canonical
                ~ " (accepted names: " ~ (spellings | join(', ')) ~ "; case, spaces and underscores ignored). "
                ~ "Columns found: " ~ (found_columns | join(', ')) ~ ". Expected the columns "
                ~ "InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country "
                ~ "(or the Online Retail II names Invoice, Price, Customer ID) in a header line, "
                ~ "separated by one of: , ; tab |.") -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(column_for) -}}
{%- endmacro %}

{#- Spark (profile target `spark`): the files become the external CSV table
    staging.raw_order_lines_files (every value as text; the header of the first file names the
    columns, and every file must share it), and staging.raw_order_lines a view over it with the
    canonical names, the file and the 1-based data row. Spark resolves a relative path against
    the directory dbt runs in, like DuckDB; source_file is the absolute path. Spark SQL runs one
    statement per call, so the set-up runs here and the hook itself creates the view. -#}
{% macro spark__register_order_lines() -%}
    {%- if not execute -%}{{- return('') -}}{%- endif -%}
    {%- set path = order_lines_path() -%}
    {%- set quoted_path = text_literal(path) -%}
    {%- if path.lower().endswith('.parquet') -%}
        {%- set options = "using parquet options (path " ~ quoted_path ~ ")" -%}
    {%- else -%}
        {%- set header_line = run_query("select value from text.`" ~ path ~ "` limit 1").columns[0].values() | list -%}
        {%- if header_line | length == 0 -%}
            {{- exceptions.raise_compiler_error("raw_order_lines: no line found in '" ~ path ~ "'. Expected CSV files with a header line.") -}}
        {%- endif -%}
        {%- set delimiter = spark__order_lines_delimiter(header_line[0]) -%}
        {%- set options -%}
            using csv options (
                path {{ quoted_path }},
                header 'true',
                inferSchema 'false',
                sep '{{ delimiter }}',
                quote '"',
                escape '"',
                multiLine 'false',
                mode 'FAILFAST',
                encoding '{{ var("raw_order_lines_encoding", "utf-8") }}'
            )
        {%- endset -%}
    {%- endif -%}
    {%- do run_query("create schema if not exists staging") -%}
    {#- A table with a path option is external: dropping it leaves the files alone. -#}
    {%- do run_query("drop table if exists staging.raw_order_lines_files") -%}
    {%- do run_query("create table staging.raw_order_lines_files " ~ options) -%}
    {%- set found = run_query("describe staging.raw_order_lines_files").columns[0].values() | list -%}
    {%- set column_for = resolve_order_line_columns(found, path, 1) -%}

    create or replace view staging.raw_order_lines as
    select
        {% for canonical, source_column in column_for.items() -%}
        cast(`{{ source_column }}` as string) as {{ canonical }},
        {% endfor -%}
        source_file,
        cast(row_number() over (partition by source_file order by scan_order) as bigint) as source_row_number
    from (
        select
            *,
            regexp_replace(_metadata.file_path, '^file:(//)?', '') as source_file,
            {#- Ids grow with the position in the file: the scan keeps each file's order. -#}
            monotonically_increasing_id() as scan_order
        from staging.raw_order_lines_files
    ) as scanned
{%- endmacro %}

{#- The delimiter of order_line_delimiters() that splits the header line into the most fields. -#}
{% macro spark__order_lines_delimiter(header_line) -%}
    {%- set best = {'delimiter': ',', 'count': 0} -%}
    {%- for candidate in order_line_delimiters() -%}
        {%- if header_line.count(candidate) > best['count'] -%}
            {%- do best.update({'delimiter': candidate, 'count': header_line.count(candidate)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(best['delimiter']) -}}
{%- endmacro %}
