{#- The recommendations_per_customer best item-affinity candidates per basket set and
    customer: products the customer has not bought, scored by the sum, over the products they
    did buy, of confidence(bought product -> candidate) from int_product_pairs_scored, each
    bought product contributing only its strongest neighbours
    (int_product_pairs_filtered_to_strongest_neighbours). Kept apart from the ranking model because
    DuckDB plans the top-N and the reason lookup badly as one query (~3x the work). -#}

{%- set per_customer = var('recommendations_per_customer') %}
{%- set scoring_blocks = blocks_for(
    ref('int_basket_items_aggregated_to_customer_products'), var('scoring_customer_products_per_block')
) %}

with

customer_products as {{ not_materialized() }} (

    select * from {{ ref('int_basket_items_aggregated_to_customer_products') }}

),

strongest_neighbours as (

    select * from {{ ref('int_product_pairs_filtered_to_strongest_neighbours') }}

),

contributions as {{ not_materialized() }} (

    select
        customer_products.basket_set,
        customer_products.customer_id,
        strongest_neighbours.candidate_stock_code,
        customer_products.stock_code as contributing_stock_code,
        strongest_neighbours.confidence
    from customer_products
    inner join strongest_neighbours
        on
            customer_products.basket_set = strongest_neighbours.basket_set
            and customer_products.stock_code = strongest_neighbours.stock_code

),

affinity_ranked as (

    -- Every step is per customer, so on large data it runs per block of customers
    -- (macros/blocks.sql): scoring, leaving out products already bought, ranking.
    {%- for block in range(scoring_blocks) %}

        select
            candidate_scores.basket_set,
            candidate_scores.customer_id,
            candidate_scores.candidate_stock_code as stock_code,
            candidate_scores.score,
            candidate_scores.strongest_confidence,
            row_number() over (
                partition by candidate_scores.basket_set, candidate_scores.customer_id
                order by candidate_scores.score desc, candidate_scores.candidate_stock_code asc
            ) as affinity_rank
        from (
            select
                basket_set,
                customer_id,
                candidate_stock_code,
                -- Summed as decimals: a float sum's result depends on the order parallel threads
                -- add in, and the same input must give the same warehouse.
                cast(sum(cast(confidence as decimal(18, 12))) as double) as score,
                max(confidence) as strongest_confidence
            from contributions
            where {{ in_block('customer_id', block, scoring_blocks) }}
            group by basket_set, customer_id, candidate_stock_code
        ) as candidate_scores
        left join customer_products
            on
                candidate_scores.basket_set = customer_products.basket_set
                and candidate_scores.customer_id = customer_products.customer_id
                and candidate_scores.candidate_stock_code = customer_products.stock_code
                -- The block again on this side, so each block's hash table holds its own
                -- customers' products, not every customer's.
                and {{ in_block('customer_products.customer_id', block, scoring_blocks) }}
        where customer_products.stock_code is null
        {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        basket_set,
        customer_id,
        cast(affinity_rank as bigint) as affinity_rank,
        stock_code,
        score,
        strongest_confidence
    from affinity_ranked
    where affinity_rank <= {{ per_customer }}

)

select * from final
