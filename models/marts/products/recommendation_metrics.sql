{#- Offline evaluation of the recommender against the popularity baseline with a time split:
    both recommend from purchases before the cutoff (as_of_date minus holdout_days) and are
    scored on the products each customer bought for the first time on or after it. A customer
    is evaluated when they bought before the cutoff and bought at least one new product after. -#}

{%- set k = var('recommendations_per_customer') %}

with

recommendations as (

    select * from {{ ref('int_customer_recommendations_ranked') }}
    where basket_set = 'before_cutoff'

),

basket_items as (

    select * from {{ ref('int_order_lines_collapsed_to_basket_items') }}
    where customer_id is not null

),

history as (

    select distinct
        customer_id,
        stock_code
    from basket_items
    where is_before_cutoff

),

trained_customers as (

    select distinct customer_id
    from history

),

bought_after_cutoff as (

    select distinct
        customer_id,
        stock_code
    from basket_items
    where not is_before_cutoff

),

test_items as (

    -- Only first purchases count: re-buying a known product is not something to recommend.
    select
        bought_after_cutoff.customer_id,
        bought_after_cutoff.stock_code
    from bought_after_cutoff
    inner join trained_customers
        on bought_after_cutoff.customer_id = trained_customers.customer_id
    left join history
        on
            bought_after_cutoff.customer_id = history.customer_id
            and bought_after_cutoff.stock_code = history.stock_code
    where history.stock_code is null

),

test_sizes as (

    select
        customer_id,
        count(*) as test_products
    from test_items
    group by customer_id

),

catalog as (

    select count(distinct stock_code) as catalog_products
    from history

),

recommenders as (

    select distinct recommender
    from recommendations

),

evaluated as (

    -- Every recommender is scored on the same customers, hits or not.
    select
        recommenders.recommender,
        test_sizes.customer_id,
        test_sizes.test_products
    from recommenders
    cross join test_sizes

),

hits as (

    select
        recommendations.recommender,
        recommendations.customer_id,
        count(*) as hits
    from recommendations
    inner join test_items
        on
            recommendations.customer_id = test_items.customer_id
            and recommendations.stock_code = test_items.stock_code
    group by recommendations.recommender, recommendations.customer_id

),

customer_scores as (

    select
        evaluated.recommender,
        evaluated.customer_id,
        coalesce(hits.hits, 0) as hits,
        evaluated.test_products
    from evaluated
    left join hits
        on
            evaluated.recommender = hits.recommender
            and evaluated.customer_id = hits.customer_id

),

recommender_scores as (

    select
        recommender,
        count(*) as evaluated_customers,
        sum(case when hits > 0 then 1 else 0 end) as customers_with_hit,
        avg(case when hits > 0 then 1.0 else 0.0 end) as hit_rate_at_k,
        -- Exact sums (integers, decimals) keep the averages identical from build to build.
        cast(sum(hits) as double) / (count(*) * {{ k }}) as precision_at_k,
        cast(sum(cast(cast(hits as double) / test_products as decimal(18, 12))) as double)
        / count(*) as recall_at_k
    from customer_scores
    group by recommender

),

recommended_products as (

    -- Coverage over the evaluated customers' lists: how much of the catalog ever gets shown.
    select
        recommendations.recommender,
        count(distinct recommendations.stock_code) as recommended_products
    from recommendations
    inner join test_sizes
        on recommendations.customer_id = test_sizes.customer_id
    group by recommendations.recommender

),

bounds as (

    select
        as_of.as_of_date,
        cast({{ dbt.dateadd('day', -var('holdout_days'), 'as_of.as_of_date') }} as date) as cutoff_date
    from (select {{ as_of_date() }} as as_of_date) as as_of

),

final as (

    select
        recommender_scores.recommender,
        recommender_scores.recommender = 'popularity' as is_baseline,
        cast({{ k }} as bigint) as k,
        bounds.cutoff_date,
        bounds.as_of_date,
        cast(recommender_scores.evaluated_customers as bigint) as evaluated_customers,
        cast(recommender_scores.customers_with_hit as bigint) as customers_with_hit,
        cast(recommender_scores.hit_rate_at_k as double) as hit_rate_at_k,
        recommender_scores.precision_at_k,
        recommender_scores.recall_at_k,
        cast(recommended_products.recommended_products as bigint) as recommended_products,
        cast(catalog.catalog_products as bigint) as catalog_products,
        cast(recommended_products.recommended_products as double) / catalog.catalog_products as catalog_coverage

    from recommender_scores
    inner join recommended_products
        on recommender_scores.recommender = recommended_products.recommender
    cross join catalog
    cross join bounds

)

select * from final
