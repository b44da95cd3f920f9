-- Every customer with a staged line before as_of_date is in dim_customers, and every one of
-- them with a purchase is in customer_rfm: no customer disappears between staging and marts.

with

staged_customers as (

    select distinct
        customer_id,
        line_type = 'sale' as is_purchase
    from {{ ref('stg_online_retail__order_lines') }}
    where
        customer_id is not null
        and invoice_date < {{ as_of_date() }}

),

missing_from_dim as (

    select
        staged_customers.customer_id,
        'dim_customers' as missing_from
    from staged_customers
    left join {{ ref('dim_customers') }} as dim_customers
        on staged_customers.customer_id = dim_customers.customer_id
    where dim_customers.customer_id is null

),

missing_from_rfm as (

    select
        staged_customers.customer_id,
        'customer_rfm' as missing_from
    from staged_customers
    left join {{ ref('customer_rfm') }} as customer_rfm
        on staged_customers.customer_id = customer_rfm.customer_id
    where staged_customers.is_purchase and customer_rfm.customer_id is null

),

final as (

    select * from missing_from_dim
    union all
    select * from missing_from_rfm

)

select * from final
