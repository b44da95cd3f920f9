{#- Frequently bought together: one row per unordered pair of products (stock_code_a <
    stock_code_b) bought in the same basket at least affinity_min_pair_count times and with
    support of at least affinity_min_support, over every basket before as_of_date. -#}

with

pairs as (

    select * from {{ ref('int_product_pairs_scored') }}
    where basket_set = 'all'

),

products as (

    select * from {{ ref('dim_products') }}

),

final as (

    select
        pairs.stock_code_a,
        pairs.stock_code_b,
        products_a.description as description_a,
        products_b.description as description_b,
        pairs.pair_count,
        pairs.product_a_baskets,
        pairs.product_b_baskets,
        pairs.baskets,
        pairs.support,
        pairs.support_a,
        pairs.support_b,
        pairs.confidence_a_to_b,
        pairs.confidence_b_to_a,
        pairs.lift,
        pairs.leverage,
        pairs.conviction_a_to_b,
        pairs.conviction_b_to_a,
        pairs.excluded_large_baskets

    from pairs
    left join products as products_a
        on pairs.stock_code_a = products_a.stock_code
    left join products as products_b
        on pairs.stock_code_b = products_b.stock_code

)

select * from final
