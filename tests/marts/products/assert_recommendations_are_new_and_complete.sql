-- Every customer in dim_customers gets recommendations_per_customer recommendations ranked
-- 1..n without gaps, and none of them is a product the customer already bought.

with

recommendations as (

    select * from {{ ref('customer_recommendations') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

purchases as (

    select * from {{ ref('int_basket_items_aggregated_to_customer_products') }}
    where basket_set = 'all'

),

already_bought as (

    select
        recommendations.customer_id,
        {{ dbt.concat(["'recommends a product already bought: '", 'recommendations.stock_code']) }} as problem
    from recommendations
    inner join purchases
        on
            recommendations.customer_id = purchases.customer_id
            and recommendations.stock_code = purchases.stock_code

),

list_sizes as (

    select
        customers.customer_id,
        count(recommendations.stock_code) as recommendations,
        max(recommendations.recommendation_rank) as last_rank
    from customers
    left join recommendations
        on customers.customer_id = recommendations.customer_id
    group by customers.customer_id

),

incomplete as (

    select
        customer_id,
        {{ dbt.concat(["'has '", 'cast(recommendations as ' ~ dbt.type_string() ~ ')', "' recommendations'"]) }}
            as problem
    from list_sizes
    where
        recommendations != {{ var('recommendations_per_customer') }}
        or last_rank != recommendations

),

final as (

    select * from already_bought
    union all
    select * from incomplete

)

select * from final
