{#- An R, F or M score 1-5 (5 best) from quintiles of the customers in the partition, ties sharing
    the lowest rank, so customers with equal values always get equal scores, whatever their id
    or row order: score = 1 + floor(5 * (rank - 1) / customers). A value held by many customers
    (frequency 1) therefore fills its whole score and the next score can be empty. The one rule
    for the RFM segments (int_customers_scored_rfm) and the customer-value cutoffs. -#}
{% macro quintile_score(order_by, partition_by=none) -%}
    {%- set partition = 'partition by ' ~ partition_by if partition_by else '' -%}
    cast(
        floor(5.0 * (rank() over ({{ partition }} order by {{ order_by }}) - 1) / count(*) over ({{ partition }}))
        + 1 as integer
    )
{%- endmacro %}
