{#- Association measures for every pair of products bought in the same basket, computed twice:
    over all baskets (basket_set 'all', what product_affinity publishes) and over the baskets
    before the recommender's cutoff (basket_set 'before_cutoff', to evaluate recommendations on
    later purchases without leaking them).

    Bounded on large data in three ways:
    * baskets with more than affinity_max_basket_products distinct products are left out of
      the basket universe (their pairs grow with the square of their size); they are counted in
      excluded_large_baskets;
    * products in fewer baskets than the thresholds are dropped before pairing: a pair can never
      be more frequent than either of its products, so this loses no pair that would pass;
    * each unordered pair is counted once (stock_code_a < stock_code_b). -#}

with

basket_items as (

    select * from {{ ref('int_order_lines_collapsed_to_basket_items') }}

),

set_items as (

    select
        'all' as basket_set,
        invoice_no,
        stock_code
    from basket_items

    union all

    select
        'before_cutoff' as basket_set,
        invoice_no,
        stock_code
    from basket_items
    where is_before_cutoff

),

basket_sizes as (

    select
        basket_set,
        invoice_no,
        count(*) as basket_products
    from set_items
    group by basket_set, invoice_no

),

set_totals as (

    select
        basket_set,
        sum(case when basket_products <= {{ var('affinity_max_basket_products') }} then 1 else 0 end) as baskets,
        sum(case when basket_products > {{ var('affinity_max_basket_products') }} then 1 else 0 end)
            as excluded_large_baskets
    from basket_sizes
    group by basket_set

),

basket_numbers as (

    select
        basket_set,
        invoice_no,
        row_number() over (partition by basket_set order by invoice_no) as basket_number
    from basket_sizes
    where basket_products <= {{ var('affinity_max_basket_products') }}

),

eligible_items as (

    -- Numbered so that pairing joins and groups on integers, not text (about half the work).
    select
        set_items.basket_set,
        basket_numbers.basket_number,
        set_items.stock_code
    from set_items
    inner join basket_numbers
        on
            set_items.basket_set = basket_numbers.basket_set
            and set_items.invoice_no = basket_numbers.invoice_no

),

product_counts as (

    select
        basket_set,
        stock_code,
        count(*) as product_baskets
    from eligible_items
    group by basket_set, stock_code

),

frequent_products as (

    select
        product_counts.basket_set,
        product_counts.stock_code,
        product_counts.product_baskets,
        row_number() over (
            partition by product_counts.basket_set
            order by product_counts.stock_code
        ) as product_number
    from product_counts
    inner join set_totals
        on product_counts.basket_set = set_totals.basket_set
    where
        product_counts.product_baskets >= {{ var('affinity_min_pair_count') }}
        and product_counts.product_baskets >= {{ var('affinity_min_support') }} * set_totals.baskets

),

pruned_items as (

    select
        eligible_items.basket_set,
        eligible_items.basket_number,
        frequent_products.product_number
    from eligible_items
    inner join frequent_products
        on
            eligible_items.basket_set = frequent_products.basket_set
            and eligible_items.stock_code = frequent_products.stock_code

),

pairs_counted as (

    -- Product numbers follow stock-code order, so a < b here means stock_code_a < stock_code_b.
    select
        items_a.basket_set,
        items_a.product_number as product_number_a,
        items_b.product_number as product_number_b,
        count(*) as pair_count
    from pruned_items as items_a
    inner join pruned_items as items_b
        on
            items_a.basket_set = items_b.basket_set
            and items_a.basket_number = items_b.basket_number
            and items_a.product_number < items_b.product_number
    group by items_a.basket_set, items_a.product_number, items_b.product_number

),

frequent_pairs as (

    select
        pairs_counted.basket_set,
        pairs_counted.product_number_a,
        pairs_counted.product_number_b,
        pairs_counted.pair_count,
        set_totals.baskets,
        set_totals.excluded_large_baskets
    from pairs_counted
    inner join set_totals
        on pairs_counted.basket_set = set_totals.basket_set
    where
        pairs_counted.pair_count >= {{ var('affinity_min_pair_count') }}
        and pairs_counted.pair_count >= {{ var('affinity_min_support') }} * set_totals.baskets

),

pairs_with_product_counts as (

    select
        frequent_pairs.basket_set,
        products_a.stock_code as stock_code_a,
        products_b.stock_code as stock_code_b,
        frequent_pairs.pair_count,
        products_a.product_baskets as product_a_baskets,
        products_b.product_baskets as product_b_baskets,
        frequent_pairs.baskets,
        frequent_pairs.excluded_large_baskets,
        -- `support` is the measure's standard name, not the keyword.
        cast(frequent_pairs.pair_count as double) / frequent_pairs.baskets as support,  -- noqa: RF04
        cast(products_a.product_baskets as double) / frequent_pairs.baskets as support_a,
        cast(products_b.product_baskets as double) / frequent_pairs.baskets as support_b,
        cast(frequent_pairs.pair_count as double) / products_a.product_baskets as confidence_a_to_b,
        cast(frequent_pairs.pair_count as double) / products_b.product_baskets as confidence_b_to_a
    from frequent_pairs
    inner join frequent_products as products_a
        on
            frequent_pairs.basket_set = products_a.basket_set
            and frequent_pairs.product_number_a = products_a.product_number
    inner join frequent_products as products_b
        on
            frequent_pairs.basket_set = products_b.basket_set
            and frequent_pairs.product_number_b = products_b.product_number

),

final as (

    select
        basket_set,
        stock_code_a,
        stock_code_b,
        cast(pair_count as bigint) as pair_count,
        cast(product_a_baskets as bigint) as product_a_baskets,
        cast(product_b_baskets as bigint) as product_b_baskets,
        cast(baskets as bigint) as baskets,
        cast(excluded_large_baskets as bigint) as excluded_large_baskets,
        support,
        support_a,
        support_b,
        confidence_a_to_b,
        confidence_b_to_a,
        support / (support_a * support_b) as lift,
        support - support_a * support_b as leverage,
        -- Conviction is infinite (null here) when the rule never fails (confidence 1).
        case
            when confidence_a_to_b < 1 then (1 - support_b) / (1 - confidence_a_to_b)
        end as conviction_a_to_b,
        case
            when confidence_b_to_a < 1 then (1 - support_a) / (1 - confidence_b_to_a)
        end as conviction_b_to_a

    from pairs_with_product_counts

)

select * from final
