-- Every line of every input file read by this build lands in exactly one of
-- stg_online_retail__order_lines and rejected_order_lines: per file, input lines = staged +
-- rejected, and no line is in both. (After the first build the source holds only the files
-- loaded by this build; earlier files were checked when they were loaded.)

with

input_files as (

    select
        source_file,
        count(*) as input_lines
    from {{ source('online_retail', 'raw_order_lines') }}
    group by source_file

),

staged as (

    select
        source_file,
        source_row_number
    from {{ ref('stg_online_retail__order_lines') }}
    where source_file in (select input_files.source_file from input_files)

),

rejected as (

    select
        source_file,
        source_row_number
    from {{ ref('rejected_order_lines') }}
    where source_file in (select input_files.source_file from input_files)

),

staged_per_file as (

    select
        source_file,
        count(*) as staged_lines
    from staged
    group by source_file

),

rejected_per_file as (

    select
        source_file,
        count(*) as rejected_lines
    from rejected
    group by source_file

),

in_both_per_file as (

    select
        staged.source_file,
        count(*) as lines_in_both
    from staged
    inner join rejected
        on
            staged.source_file = rejected.source_file
            and staged.source_row_number = rejected.source_row_number
    group by staged.source_file

),

final as (

    select
        input_files.source_file,
        input_files.input_lines,
        coalesce(staged_per_file.staged_lines, 0) as staged_lines,
        coalesce(rejected_per_file.rejected_lines, 0) as rejected_lines,
        coalesce(in_both_per_file.lines_in_both, 0) as lines_in_both
    from input_files
    left join staged_per_file
        on input_files.source_file = staged_per_file.source_file
    left join rejected_per_file
        on input_files.source_file = rejected_per_file.source_file
    left join in_both_per_file
        on input_files.source_file = in_both_per_file.source_file

)

select * from final
where
    input_lines <> staged_lines + rejected_lines
    or lines_in_both > 0
