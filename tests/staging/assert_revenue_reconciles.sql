-- Per input file read by this build, the revenue of the input (quantity × unit price over
-- every line whose numbers parse) equals the staged revenue plus the revenue of the rejected
-- lines, to the thousandth.

with

input_files as (

    select
        source_file,
        sum(
            {{ try_cast_to('trim(quantity)', api.Column.translate_type('bigint')) }}
            * {{ try_cast_to('trim(unit_price)', 'decimal(18, 3)') }}
        ) as revenue
    from {{ source('online_retail', 'raw_order_lines') }}
    group by source_file

),

staged_per_file as (

    select
        source_file,
        sum(line_revenue) as revenue
    from {{ ref('stg_online_retail__order_lines') }}
    where source_file in (select input_files.source_file from input_files)
    group by source_file

),

rejected_per_file as (

    select
        source_file,
        sum(line_revenue) as revenue
    from {{ ref('rejected_order_lines') }}
    where source_file in (select input_files.source_file from input_files)
    group by source_file

),

final as (

    select
        input_files.source_file,
        coalesce(input_files.revenue, 0) as input_revenue,
        coalesce(staged_per_file.revenue, 0) as staged_revenue,
        coalesce(rejected_per_file.revenue, 0) as rejected_revenue
    from input_files
    left join staged_per_file
        on input_files.source_file = staged_per_file.source_file
    left join rejected_per_file
        on input_files.source_file = rejected_per_file.source_file

)

select * from final
where input_revenue <> staged_revenue + rejected_revenue
