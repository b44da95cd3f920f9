{#- Work in blocks: a few models group far more rows than memory holds at 100M order lines
    (product pairs: ~1.5 billion; customer × candidate scores: ~1.7 billion). With millions of
    groups, DuckDB's hash aggregate cannot pre-aggregate, so it writes nearly every input row
    to disk before combining them (45 GB and more). Split into blocks of keys, written as
    `union all` branches, each grouping sees a fraction of the groups and stays in memory, and
    the result is the same: every group lies in exactly one block.

    The number of blocks is sized from the data when the model runs: one block per
    rows_per_block rows of the relation it reads (one block on small data, so the SQL is the
    plain query). The var work_blocks, when set, fixes it instead (unit tests prove the blocks
    add up to the unblocked result). -#}
{% macro blocks_for(relation, rows_per_block) -%}
    {%- if var('work_blocks', none) is not none -%}
        {{- return(var('work_blocks') | int) -}}
    {%- endif -%}
    {#- Unit tests read fixtures, not tables: they set work_blocks to try blocks. -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{- return(1) -}}
    {%- endif -%}
    {%- set existing = load_relation(relation) -%}
    {%- if existing is none -%}
        {{- return(1) -}}
    {%- endif -%}
    {%- set rows = run_query('select count(*) from ' ~ existing).columns[0].values()[0] | int -%}
    {{- return([1, (rows + rows_per_block - 1) // rows_per_block] | max) -}}
{%- endmacro %}

{#- A predicate true for the rows whose key falls in block `block` of `blocks` (0-based);
    always true when there is one block. Integer keys use the remainder, text keys a hash. -#}
{% macro in_block(key, block, blocks, key_is_integer=false) -%}
    {%- if blocks > 1 -%}
        {%- if key_is_integer -%}
            {{ key }} % {{ blocks }} = {{ block }}
        {%- else -%}
            {{ hash_bucket(key, blocks) }} = {{ block }}
        {%- endif -%}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A bucket number 0 … buckets - 1 from a hash of a text key. -#}
{% macro hash_bucket(key, buckets) -%}
    {{- return(adapter.dispatch('hash_bucket', 'customer_analytics')(key, buckets)) -}}
{%- endmacro %}

{% macro default__hash_bucket(key, buckets) -%}
    {{ exceptions.raise_compiler_error(
        "hash_bucket is not implemented for " ~ adapter.type() ~ ": add a dispatch in macros/blocks.sql, or set the var work_blocks to 1"
    ) }}
{%- endmacro %}

{#- DuckDB's hash() is an unsigned 64-bit integer. -#}
{% macro duckdb__hash_bucket(key, buckets) -%}
    hash({{ key }}) % {{ buckets }}
{%- endmacro %}

{#- Spark's hash() is a signed 32-bit integer: pmod keeps the bucket non-negative. -#}
{% macro spark__hash_bucket(key, buckets) -%}
    pmod(hash({{ key }}), {{ buckets }})
{%- endmacro %}
