-- The published affinity measures are consistent with each other and with the counts:
-- support = pair_count / baskets, lift = confidence_a_to_b / support_b = confidence_b_to_a /
-- support_a, leverage = support - support_a * support_b, and conviction follows from
-- confidence (1e-9 relative tolerance for floating point).

with

affinity as (

    select * from {{ ref('product_affinity') }}

),

final as (

    select *
    from affinity
    where
        abs(support - cast(pair_count as double) / baskets) > 1e-9 * support
        or abs(support_a - cast(product_a_baskets as double) / baskets) > 1e-9 * support_a
        or abs(lift - confidence_a_to_b / support_b) > 1e-9 * lift
        or abs(lift - confidence_b_to_a / support_a) > 1e-9 * lift
        or abs(leverage - (support - support_a * support_b)) > 1e-12
        or abs(conviction_a_to_b * (1 - confidence_a_to_b) - (1 - support_b)) > 1e-9
        or (confidence_b_to_a = 1 and conviction_b_to_a is not null)

)

select * from final
