-- What happened to the input? Lines in, lines staged by type, lines rejected by reason.

with

staged as (

    select
        'staged' as outcome,
        line_type as detail,
        count(*) as order_lines,
        sum(line_revenue) as revenue
    from {{ ref('stg_online_retail__order_lines') }}
    group by line_type

),

rejected as (

    select
        'rejected' as outcome,
        rejection_reason as detail,
        count(*) as order_lines,
        sum(line_revenue) as revenue
    from {{ ref('rejected_order_lines') }}
    group by rejection_reason

),

final as (

    select * from staged
    union all
    select * from rejected

)

select * from final
order by outcome desc, order_lines desc
