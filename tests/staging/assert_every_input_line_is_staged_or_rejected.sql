-- Every input line lands in exactly one of stg_online_retail__order_lines and
-- rejected_order_lines: the counts add up to the input count and no line is in both.
-- Returns a row describing the mismatch when that is not so.

with

input_count as (

    select count(*) as input_lines
    from {{ source('online_retail', 'raw_order_lines') }}

),

staged as (

    select
        source_file,
        source_row_number
    from {{ ref('stg_online_retail__order_lines') }}

),

rejected as (

    select
        source_file,
        source_row_number
    from {{ ref('rejected_order_lines') }}

),

staged_count as (

    select count(*) as staged_lines
    from staged

),

rejected_count as (

    select count(*) as rejected_lines
    from rejected

),

overlap_count as (

    select count(*) as lines_in_both
    from staged
    inner join rejected
        on
            staged.source_file = rejected.source_file
            and staged.source_row_number = rejected.source_row_number

),

final as (

    select
        input_count.input_lines,
        staged_count.staged_lines,
        rejected_count.rejected_lines,
        overlap_count.lines_in_both
    from input_count
    cross join staged_count
    cross join rejected_count
    cross join overlap_count

)

select * from final
where
    input_lines <> staged_lines + rejected_lines
    or lines_in_both > 0
