{#- Association measures for every pair of products bought in the same basket, for two basket
    sets: all baskets (basket_set 'all', what product_affinity publishes) and the items bought
    before the recommender's cutoff (basket_set 'before_cutoff', to evaluate recommendations on
    later purchases without leaking them). Both sets are counted in one pairing pass.

    Bounded on large data in three ways:
    * baskets with more than affinity_max_basket_products distinct products are left out of
      the basket universe (their pairs grow with the square of their size); they are counted in
      excluded_large_baskets;
    * products in fewer baskets than the thresholds (in both sets) are dropped before pairing: a
      pair can never be more frequent than either of its products, so this loses no pair that
      would pass;
    * each unordered pair is counted once (stock_code_a < stock_code_b).
    Pairs are counted in blocks of the first product on large data (macros/blocks.sql), and
    only pairs that pass the thresholds go on to the joins that score them. -#}

{%- set pairing_blocks = blocks_for(
    ref('int_order_lines_collapsed_to_basket_items'), var('pairing_basket_items_per_block')
) %}

with

basket_items as (

    select * from {{ ref('int_order_lines_collapsed_to_basket_items') }}

),

basket_sizes as (

    -- A basket's size in each set: all its products, and those bought before the cutoff.
    select
        invoice_no,
        count(*) as basket_products,
        sum(case when is_before_cutoff then 1 else 0 end) as basket_products_before_cutoff
    from basket_items
    group by invoice_no

),

basket_sizes_by_set as (

    select
        'all' as basket_set,
        invoice_no,
        basket_products
    from basket_sizes

    union all

    select
        'before_cutoff' as basket_set,
        invoice_no,
        basket_products_before_cutoff as basket_products
    from basket_sizes
    where basket_products_before_cutoff > 0

),

set_totals as (

    select
        basket_set,
        sum(case when basket_products <= {{ var('affinity_max_basket_products') }} then 1 else 0 end) as baskets,
        sum(case when basket_products > {{ var('affinity_max_basket_products') }} then 1 else 0 end)
            as excluded_large_baskets
    from basket_sizes_by_set
    group by basket_set

),

basket_numbers as (

    -- Baskets small enough in at least one set, numbered so that pairing joins and groups on
    -- integers, not text (about half the work).
    select
        invoice_no,
        basket_products <= {{ var('affinity_max_basket_products') }} as is_in_all,
        basket_products_before_cutoff between 1 and {{ var('affinity_max_basket_products') }}
            as is_in_before_cutoff,
        row_number() over (order by invoice_no) as basket_number
    from basket_sizes
    where
        basket_products <= {{ var('affinity_max_basket_products') }}
        or basket_products_before_cutoff between 1 and {{ var('affinity_max_basket_products') }}

),

eligible_items as (

    -- is_in_all / is_in_before_cutoff: whether the item counts towards each set.
    select
        basket_numbers.basket_number,
        basket_items.stock_code,
        basket_numbers.is_in_all,
        basket_numbers.is_in_before_cutoff and basket_items.is_before_cutoff as is_in_before_cutoff
    from basket_items
    inner join basket_numbers
        on basket_items.invoice_no = basket_numbers.invoice_no

),

product_counts as (

    select
        stock_code,
        sum(case when is_in_all then 1 else 0 end) as baskets_in_all,
        sum(case when is_in_before_cutoff then 1 else 0 end) as baskets_in_before_cutoff
    from eligible_items
    group by stock_code

),

product_counts_by_set as (

    select
        'all' as basket_set,
        stock_code,
        baskets_in_all as product_baskets
    from product_counts

    union all

    select
        'before_cutoff' as basket_set,
        stock_code,
        baskets_in_before_cutoff as product_baskets
    from product_counts

),

frequent_products as (

    select
        product_counts_by_set.basket_set,
        product_counts_by_set.stock_code,
        product_counts_by_set.product_baskets
    from product_counts_by_set
    inner join set_totals
        on product_counts_by_set.basket_set = set_totals.basket_set
    where
        product_counts_by_set.product_baskets >= {{ var('affinity_min_pair_count') }}
        and product_counts_by_set.product_baskets >= {{ var('affinity_min_support') }} * set_totals.baskets

),

product_numbers as (

    -- Products frequent in either set; numbered in stock-code order.
    select
        stock_code,
        row_number() over (order by stock_code) as product_number
    from (select distinct stock_code from frequent_products) as frequent_codes

),

pruned_items as (

    select
        eligible_items.basket_number,
        product_numbers.product_number,
        eligible_items.is_in_all,
        eligible_items.is_in_before_cutoff
    from eligible_items
    inner join product_numbers
        on eligible_items.stock_code = product_numbers.stock_code

),

pairs_counted as (

    -- Both sets in one pass over the baskets: pairing is the costly step. Product numbers
    -- follow stock-code order, so a < b here means stock_code_a < stock_code_b. In blocks of
    -- the first product on large data (macros/blocks.sql).
    {%- for block in range(pairing_blocks) %}

        select
            items_a.product_number as product_number_a,
            items_b.product_number as product_number_b,
            sum(case when items_a.is_in_all then 1 else 0 end) as pairs_in_all,
            sum(case when items_a.is_in_before_cutoff and items_b.is_in_before_cutoff then 1 else 0 end)
                as pairs_in_before_cutoff
        from pruned_items as items_a
        inner join pruned_items as items_b
            on
                items_a.basket_number = items_b.basket_number
                and items_a.product_number < items_b.product_number
        where {{ in_block('items_a.product_number', block, pairing_blocks, key_is_integer=true) }}
        group by items_a.product_number, items_b.product_number
        {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

pair_count_thresholds as (

    -- The least pair count that passes, per set: applied before anything else is joined to
    -- the pairs, which are millions at scale while few pass.
    select
        max(case when basket_set = 'all' then baskets end) * {{ var('affinity_min_support') }}
            as min_pairs_in_all,
        max(case when basket_set = 'before_cutoff' then baskets end) * {{ var('affinity_min_support') }}
            as min_pairs_in_before_cutoff
    from set_totals

),

frequent_pair_counts as (

    select
        pairs_counted.product_number_a,
        pairs_counted.product_number_b,
        pairs_counted.pairs_in_all,
        pairs_counted.pairs_in_before_cutoff
    from pairs_counted
    cross join pair_count_thresholds
    where
        (
            pairs_counted.pairs_in_all >= {{ var('affinity_min_pair_count') }}
            and pairs_counted.pairs_in_all >= pair_count_thresholds.min_pairs_in_all
        )
        or (
            pairs_counted.pairs_in_before_cutoff >= {{ var('affinity_min_pair_count') }}
            and pairs_counted.pairs_in_before_cutoff >= pair_count_thresholds.min_pairs_in_before_cutoff
        )

),

pairs_counted_by_set as (

    select
        'all' as basket_set,
        product_number_a,
        product_number_b,
        pairs_in_all as pair_count
    from frequent_pair_counts

    union all

    select
        'before_cutoff' as basket_set,
        product_number_a,
        product_number_b,
        pairs_in_before_cutoff as pair_count
    from frequent_pair_counts

),

frequent_pairs as (

    select
        pairs_counted_by_set.basket_set,
        codes_a.stock_code as stock_code_a,
        codes_b.stock_code as stock_code_b,
        pairs_counted_by_set.pair_count,
        set_totals.baskets,
        set_totals.excluded_large_baskets
    from pairs_counted_by_set
    inner join set_totals
        on pairs_counted_by_set.basket_set = set_totals.basket_set
    inner join product_numbers as codes_a
        on pairs_counted_by_set.product_number_a = codes_a.product_number
    inner join product_numbers as codes_b
        on pairs_counted_by_set.product_number_b = codes_b.product_number
    where
        pairs_counted_by_set.pair_count >= {{ var('affinity_min_pair_count') }}
        and pairs_counted_by_set.pair_count >= {{ var('affinity_min_support') }} * set_totals.baskets

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
            and frequent_pairs.stock_code_a = products_a.stock_code
    inner join frequent_products as products_b
        on
            frequent_pairs.basket_set = products_b.basket_set
            and frequent_pairs.stock_code_b = products_b.stock_code

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
