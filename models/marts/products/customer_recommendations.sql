{#- For every customer, the top recommendations_per_customer products they have not bought yet,
    from item-to-item affinity over their whole history, with popularity filling the places
    their history cannot (see int_customer_recommendations_ranked). -#}

with

recommendations as (

    select * from {{ ref('int_customer_recommendations_ranked') }}
    where
        basket_set = 'all'
        and recommender = 'item_affinity'

),

products as (

    select * from {{ ref('dim_products') }}

),

final as (

    select
        recommendations.customer_id,
        recommendations.recommendation_rank,
        recommendations.stock_code,
        recommended.description,
        recommendations.score,
        recommendations.recommendation_source,
        recommendations.contributing_stock_code,
        case
            when recommendations.recommendation_source = 'item_affinity'
                then {{ dbt.concat([
                    "'often bought with '",
                    "coalesce(contributing.description, recommendations.contributing_stock_code)",
                ]) }}
            else 'popular with other customers'
        end as reason

    from recommendations
    left join products as recommended
        on recommendations.stock_code = recommended.stock_code
    left join products as contributing
        on recommendations.contributing_stock_code = contributing.stock_code

)

select * from final
