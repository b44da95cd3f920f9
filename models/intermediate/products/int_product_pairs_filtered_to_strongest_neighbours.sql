{#- For each basket set and product, its recommendation_neighbours_per_product strongest
    neighbours: the products most often bought with it, by confidence(product -> neighbour)
    from int_product_pairs_scored (each pair read in both directions). Recommendations score
    candidates from these only, which bounds the work per customer. Both products carry their
    numbers (int_basket_products_numbered), the keys the recommender works on. -#}

with

pairs as (

    select * from {{ ref('int_product_pairs_scored') }}

),

products as (

    select * from {{ ref('int_basket_products_numbered') }}

),

neighbours as (

    select
        basket_set,
        stock_code_a as stock_code,
        stock_code_b as candidate_stock_code,
        confidence_a_to_b as confidence
    from pairs

    union all

    select
        basket_set,
        stock_code_b as stock_code,
        stock_code_a as candidate_stock_code,
        confidence_b_to_a as confidence
    from pairs

),

neighbours_ranked as (

    select
        basket_set,
        stock_code,
        candidate_stock_code,
        confidence,
        row_number() over (
            partition by basket_set, stock_code
            order by confidence desc, candidate_stock_code asc
        ) as neighbour_rank
    from neighbours

),

strongest_neighbours as (

    select * from neighbours_ranked
    where neighbour_rank <= {{ var('recommendation_neighbours_per_product') }}

),

final as (

    select
        strongest_neighbours.basket_set,
        strongest_neighbours.stock_code,
        products.product_number,
        strongest_neighbours.candidate_stock_code,
        candidates.product_number as candidate_product_number,
        strongest_neighbours.confidence,
        cast(strongest_neighbours.neighbour_rank as bigint) as neighbour_rank
    from strongest_neighbours
    inner join products
        on strongest_neighbours.stock_code = products.stock_code
    inner join products as candidates
        on strongest_neighbours.candidate_stock_code = candidates.stock_code

)

select * from final
