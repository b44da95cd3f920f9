{#- The top recommendations_per_customer products per basket set, recommender and customer.

    Recommender 'item_affinity': a candidate's score is the sum, over the products the customer
    bought, of confidence(bought product -> candidate) from int_product_pairs_scored, using each
    product's recommendation_neighbours_per_product strongest neighbours only (this bounds the
    work per customer). Products the customer already bought are never recommended. When the
    customer's history yields fewer candidates than needed (little or no history), the most
    popular products fill the remaining places.
    Recommender 'popularity' (the evaluation baseline, basket set 'before_cutoff' only): the most
    popular products the customer has not bought.

    basket_set 'all' recommends to every customer in dim_customers from everything before
    as_of_date; 'before_cutoff' recommends to customers with purchases before the cutoff, from
    those purchases only, so recommendation_metrics can test on what they bought later. -#}

{%- set per_customer = var('recommendations_per_customer') %}

with

pairs as (

    select * from {{ ref('int_product_pairs_scored') }}

),

customer_products as (

    select * from {{ ref('int_basket_items_aggregated_to_customer_products') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

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

    select
        basket_set,
        stock_code,
        candidate_stock_code,
        confidence
    from neighbours_ranked
    where neighbour_rank <= {{ var('recommendation_neighbours_per_product') }}

),

recommended_customers as (

    select
        'all' as basket_set,
        customer_id
    from customers

    union all

    select distinct
        basket_set,
        customer_id
    from customer_products
    where basket_set = 'before_cutoff'

),

contributions as (

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

contributions_ranked as (

    select
        basket_set,
        customer_id,
        candidate_stock_code,
        contributing_stock_code,
        confidence,
        row_number() over (
            partition by basket_set, customer_id, candidate_stock_code
            order by confidence desc, contributing_stock_code asc
        ) as contribution_rank,
        sum(confidence) over (partition by basket_set, customer_id, candidate_stock_code) as score
    from contributions

),

affinity_candidates as (

    select
        contributions_ranked.basket_set,
        contributions_ranked.customer_id,
        contributions_ranked.candidate_stock_code as stock_code,
        contributions_ranked.score,
        contributions_ranked.contributing_stock_code,
        'item_affinity' as recommendation_source,
        1 as source_priority
    from contributions_ranked
    left join customer_products
        on
            contributions_ranked.basket_set = customer_products.basket_set
            and contributions_ranked.customer_id = customer_products.customer_id
            and contributions_ranked.candidate_stock_code = customer_products.stock_code
    where
        contributions_ranked.contribution_rank = 1
        and customer_products.stock_code is null

),

product_popularity as (

    select
        basket_set,
        stock_code,
        count(*) as buying_customers,
        sum(baskets) as baskets
    from customer_products
    group by basket_set, stock_code

),

set_customers as (

    select
        basket_set,
        count(distinct customer_id) as buying_customers
    from customer_products
    group by basket_set

),

popularity_ranked as (

    -- Only the head of the list can be needed: a customer's top N popular products not yet
    -- bought lie within the N + 100 most popular unless they bought 100 of those already.
    select
        product_popularity.basket_set,
        product_popularity.stock_code,
        cast(product_popularity.buying_customers as double) / set_customers.buying_customers as score,
        row_number() over (
            partition by product_popularity.basket_set
            order by
                product_popularity.buying_customers desc,
                product_popularity.baskets desc,
                product_popularity.stock_code asc
        ) as popularity_rank
    from product_popularity
    inner join set_customers
        on product_popularity.basket_set = set_customers.basket_set

),

popularity_candidates as (

    select
        recommended_customers.basket_set,
        recommended_customers.customer_id,
        popularity_ranked.stock_code,
        popularity_ranked.score,
        cast(null as {{ dbt.type_string() }}) as contributing_stock_code,
        'popularity' as recommendation_source,
        2 as source_priority,
        popularity_ranked.popularity_rank
    from recommended_customers
    inner join popularity_ranked
        on
            recommended_customers.basket_set = popularity_ranked.basket_set
            and popularity_ranked.popularity_rank <= {{ per_customer }} + 100
    left join customer_products
        on
            recommended_customers.basket_set = customer_products.basket_set
            and recommended_customers.customer_id = customer_products.customer_id
            and popularity_ranked.stock_code = customer_products.stock_code
    where customer_products.stock_code is null

),

blended_candidates as (

    select
        basket_set,
        customer_id,
        stock_code,
        score,
        contributing_stock_code,
        recommendation_source,
        source_priority
    from affinity_candidates

    union all

    select
        popularity_candidates.basket_set,
        popularity_candidates.customer_id,
        popularity_candidates.stock_code,
        popularity_candidates.score,
        popularity_candidates.contributing_stock_code,
        popularity_candidates.recommendation_source,
        popularity_candidates.source_priority
    from popularity_candidates
    left join affinity_candidates
        on
            popularity_candidates.basket_set = affinity_candidates.basket_set
            and popularity_candidates.customer_id = affinity_candidates.customer_id
            and popularity_candidates.stock_code = affinity_candidates.stock_code
    where affinity_candidates.stock_code is null

),

blended_ranked as (

    select
        basket_set,
        'item_affinity' as recommender,
        customer_id,
        stock_code,
        score,
        contributing_stock_code,
        recommendation_source,
        row_number() over (
            partition by basket_set, customer_id
            order by source_priority asc, score desc, stock_code asc
        ) as recommendation_rank
    from blended_candidates

),

popularity_baseline_ranked as (

    select
        basket_set,
        'popularity' as recommender,
        customer_id,
        stock_code,
        score,
        contributing_stock_code,
        recommendation_source,
        row_number() over (
            partition by basket_set, customer_id
            order by popularity_rank asc
        ) as recommendation_rank
    from popularity_candidates
    where basket_set = 'before_cutoff'

),

final as (

    select
        basket_set,
        recommender,
        customer_id,
        cast(recommendation_rank as bigint) as recommendation_rank,
        stock_code,
        score,
        recommendation_source,
        contributing_stock_code
    from blended_ranked
    where recommendation_rank <= {{ per_customer }}

    union all

    select
        basket_set,
        recommender,
        customer_id,
        cast(recommendation_rank as bigint) as recommendation_rank,
        stock_code,
        score,
        recommendation_source,
        contributing_stock_code
    from popularity_baseline_ranked
    where recommendation_rank <= {{ per_customer }}

)

select * from final
