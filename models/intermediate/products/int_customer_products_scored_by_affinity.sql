{#- The recommendations_per_customer best item-affinity candidates per basket set and
    customer: products the customer has not bought, scored by the sum, over the products they
    did buy, of confidence(bought product -> candidate) from int_product_pairs_scored, each
    bought product contributing only its strongest neighbours
    (int_product_pairs_filtered_to_strongest_neighbours). Kept apart from the ranking model because
    DuckDB plans the top-N and the reason lookup badly as one query (~3x the work).

    Every step runs on customer and product numbers (int_basket_customers_numbered,
    int_basket_products_numbered), one basket set at a time: grouping and ranking tens of
    millions of candidates on integers took 31 s instead of 43 s on text keys in a 10M-line
    build. Product numbers follow stock-code order, so ties rank as they would on stock codes. -#}

{%- set per_customer = var('recommendations_per_customer') %}
{%- set basket_sets = ['all', 'before_cutoff'] %}
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

customers as (

    select * from {{ ref('int_basket_customers_numbered') }}

),

products as (

    select * from {{ ref('int_basket_products_numbered') }}

),

contributions as {{ not_materialized() }} (

    select
        customer_products.basket_set,
        customer_products.customer_number,
        strongest_neighbours.candidate_product_number,
        strongest_neighbours.confidence
    from customer_products
    inner join strongest_neighbours
        on
            customer_products.basket_set = strongest_neighbours.basket_set
            and customer_products.product_number = strongest_neighbours.product_number

),

affinity_ranked as (

    -- Every step is per customer, so on large data it runs per block of customers
    -- (macros/blocks.sql): scoring, leaving out products already bought, ranking.
    {%- for basket_set in basket_sets %}
        {%- set outer_loop = loop %}
        {%- for block in range(scoring_blocks) %}

            select
                '{{ basket_set }}' as basket_set,
                candidate_scores.customer_number,
                candidate_scores.candidate_product_number,
                candidate_scores.score,
                candidate_scores.strongest_confidence,
                row_number() over (
                    partition by candidate_scores.customer_number
                    order by candidate_scores.score desc, candidate_scores.candidate_product_number asc
                ) as affinity_rank
            from (
                select
                    customer_number,
                    candidate_product_number,
                    -- Summed as decimals: a float sum's result depends on the order parallel threads
                    -- add in, and the same input must give the same warehouse.
                    cast(sum(cast(confidence as decimal(18, 12))) as double) as score,
                    max(confidence) as strongest_confidence
                from contributions
                where
                    basket_set = '{{ basket_set }}'
                    and {{ in_block('customer_number', block, scoring_blocks, key_is_integer=true) }}
                group by customer_number, candidate_product_number
            ) as candidate_scores
            left join customer_products
                on
                    customer_products.basket_set = '{{ basket_set }}'
                    and candidate_scores.customer_number = customer_products.customer_number
                    and candidate_scores.candidate_product_number = customer_products.product_number
                    -- The block again on this side, so each block's hash table holds its own
                    -- customers' products, not every customer's.
                    and {{ in_block('customer_products.customer_number', block, scoring_blocks, key_is_integer=true) }}
            where customer_products.product_number is null
            {%- if not (loop.last and outer_loop.last) %}

                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}

),

top_candidates as (

    select * from affinity_ranked
    where affinity_rank <= {{ per_customer }}

),

final as (

    select
        top_candidates.basket_set,
        customers.customer_id,
        cast(top_candidates.affinity_rank as bigint) as affinity_rank,
        products.stock_code,
        top_candidates.score,
        top_candidates.strongest_confidence
    from top_candidates
    inner join customers
        on top_candidates.customer_number = customers.customer_number
    inner join products
        on top_candidates.candidate_product_number = products.product_number

)

select * from final
