-- Every customer in customer_rfm has exactly one customer_segments row with a segment, and
-- customer_segments has no other customers: returns each customer with a row count other than 1.

with

customer_rfm as (

    select * from {{ ref('customer_rfm') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}
    where rfm_segment is not null

),

segment_rows as (

    select
        customer_id,
        count(*) as segment_rows
    from customer_segments
    group by customer_id

),

final as (

    select
        coalesce(customer_rfm.customer_id, segment_rows.customer_id) as customer_id,
        coalesce(segment_rows.segment_rows, 0) as segment_rows
    from customer_rfm
    full outer join segment_rows
        on customer_rfm.customer_id = segment_rows.customer_id
    where
        customer_rfm.customer_id is null
        or coalesce(segment_rows.segment_rows, 0) <> 1

)

select * from final
