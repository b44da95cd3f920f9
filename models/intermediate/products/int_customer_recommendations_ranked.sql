{{
    config(
        pre_hook="{{ top_n_window_elimination(false) }}",
        post_hook="{{ top_n_window_elimination(true) }}",
    )
}}

{#- The top recommendations_per_customer products per basket set, recommender and customer.

    Recommender 'item_affinity': the best candidates of int_customer_products_scored_by_affinity
    (sum of confidences from the customer's products to products they have not bought), each
    with the bought product of highest confidence towards it as the reason. When the
    customer's history yields fewer candidates than needed (little or no history), the most
    popular products fill the remaining places.
    Recommender 'popularity' (the evaluation baseline, basket set 'before_cutoff' only): the most
    popular products the customer has not bought.

    basket_set 'all' recommends to every customer in dim_customers from everything before
    as_of_date; 'before_cutoff' recommends to customers with purchases before the cutoff, from
    those purchases only, so recommendation_metrics can test on what they bought later. -#}

{%- set per_customer = var('recommendations_per_customer') %}

with

customer_products as {{ not_materialized() }} (

    -- Read where it is used: DuckDB would otherwise copy all of it into a temporary result
    -- for the four references (a third of this model's time at 10M lines).
    select * from {{ ref('int_basket_items_aggregated_to_customer_products') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

strongest_neighbours as (

    select * from {{ ref('int_product_pairs_filtered_to_strongest_neighbours') }}

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

top_affinity as (

    select * from {{ ref('int_customer_products_scored_by_affinity') }}

),

strongest_contributors as (

    -- The reason is needed for the top candidates only: the bought product with the highest
    -- confidence towards each (the first stock code on ties). Going from the candidate to its
    -- neighbours with exactly that confidence is far cheaper than revisiting every contribution.
    select
        top_affinity.basket_set,
        top_affinity.customer_id,
        top_affinity.stock_code,
        min(strongest_neighbours.stock_code) as contributing_stock_code
    from top_affinity
    inner join strongest_neighbours
        on
            top_affinity.basket_set = strongest_neighbours.basket_set
            and top_affinity.stock_code = strongest_neighbours.candidate_stock_code
            and top_affinity.strongest_confidence = strongest_neighbours.confidence
    inner join customer_products
        on
            top_affinity.basket_set = customer_products.basket_set
            and top_affinity.customer_id = customer_products.customer_id
            and strongest_neighbours.stock_code = customer_products.stock_code
    group by top_affinity.basket_set, top_affinity.customer_id, top_affinity.stock_code

),

affinity_candidates as (

    select
        top_affinity.basket_set,
        top_affinity.customer_id,
        top_affinity.stock_code,
        top_affinity.score,
        strongest_contributors.contributing_stock_code,
        'item_affinity' as recommendation_source,
        1 as source_priority
    from top_affinity
    inner join strongest_contributors
        on
            top_affinity.basket_set = strongest_contributors.basket_set
            and top_affinity.customer_id = strongest_contributors.customer_id
            and top_affinity.stock_code = strongest_contributors.stock_code

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
        count(distinct customer_number) as buying_customers
    from customer_products
    group by basket_set

),

popularity_ranked as (

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

popularity_head as (

    -- Only the head of the list can be needed: a customer's top N popular products not yet
    -- bought lie within the N + 100 most popular unless they bought 100 of those already.
    select
        basket_set,
        stock_code,
        score,
        popularity_rank
    from popularity_ranked
    where popularity_rank <= {{ per_customer }} + 100

),

head_products_bought as (

    -- A customer who bought b products of the head finds their top N not yet bought within
    -- its first N + b: at most b of those are taken. Most customers bought few of the head,
    -- so this keeps ~N candidates per customer instead of N + 100.
    select
        customer_products.basket_set,
        customer_products.customer_id,
        count(*) as head_products_bought
    from customer_products
    inner join popularity_head
        on
            customer_products.basket_set = popularity_head.basket_set
            and customer_products.stock_code = popularity_head.stock_code
    group by customer_products.basket_set, customer_products.customer_id

),

affinity_counts as (

    select
        basket_set,
        customer_id,
        count(*) as affinity_candidates
    from top_affinity
    group by basket_set, customer_id

),

popularity_customers as (

    -- Popularity candidates are needed for every customer of the baseline's basket set, and
    -- elsewhere only to fill up when the customer has fewer than N affinity candidates (the
    -- blend ranks every affinity candidate first).
    select
        recommended_customers.basket_set,
        recommended_customers.customer_id,
        coalesce(head_products_bought.head_products_bought, 0) as head_products_bought,
        coalesce(affinity_counts.affinity_candidates, 0) < {{ per_customer }} as needs_fill
    from recommended_customers
    left join head_products_bought
        on
            recommended_customers.basket_set = head_products_bought.basket_set
            and recommended_customers.customer_id = head_products_bought.customer_id
    left join affinity_counts
        on
            recommended_customers.basket_set = affinity_counts.basket_set
            and recommended_customers.customer_id = affinity_counts.customer_id
    where
        recommended_customers.basket_set = 'before_cutoff'
        or coalesce(affinity_counts.affinity_candidates, 0) < {{ per_customer }}

),

popularity_candidates as (

    select
        popularity_customers.basket_set,
        popularity_customers.customer_id,
        popularity_head.stock_code,
        popularity_head.score,
        cast(null as {{ dbt.type_string() }}) as contributing_stock_code,
        'popularity' as recommendation_source,
        2 as source_priority,
        popularity_head.popularity_rank,
        popularity_customers.needs_fill
    from popularity_customers
    inner join popularity_head
        on
            popularity_customers.basket_set = popularity_head.basket_set
            and popularity_head.popularity_rank
            <= {{ per_customer }} + popularity_customers.head_products_bought
    left join customer_products
        on
            popularity_customers.basket_set = customer_products.basket_set
            and popularity_customers.customer_id = customer_products.customer_id
            and popularity_head.stock_code = customer_products.stock_code
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
    where
        popularity_candidates.needs_fill
        and affinity_candidates.stock_code is null

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
