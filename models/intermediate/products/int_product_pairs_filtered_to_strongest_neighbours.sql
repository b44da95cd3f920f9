{#- For each basket set and product, its recommendation_neighbours_per_product strongest
    neighbours: the products most often bought with it, by confidence(product -> neighbour)
    from int_product_pairs_scored (each pair read in both directions). Recommendations score
    candidates from these only, which bounds the work per customer. -#}

with

pairs as (

    select * from {{ ref('int_product_pairs_scored') }}

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

final as (

    select
        basket_set,
        stock_code,
        candidate_stock_code,
        confidence,
        cast(neighbour_rank as bigint) as neighbour_rank
    from neighbours_ranked
    where neighbour_rank <= {{ var('recommendation_neighbours_per_product') }}

)

select * from final
