{#- One row per scored customer: the named RFM segment whose rule box (seed rfm_segment_rules)
    contains the customer's R, F and M scores, with the playbook's action for it. The rules cover
    every score combination exactly once (tested on the seed), so the join keeps one row each. -#}

with

scored as (

    select * from {{ ref('int_customers_scored_rfm') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

playbook as (

    select * from {{ ref('segment_playbook') }}

),

final as (

    select
        scored.customer_id,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {{ dbt.concat([
            dbt.safe_cast('scored.r_score', dbt.type_string()),
            dbt.safe_cast('scored.f_score', dbt.type_string()),
            dbt.safe_cast('scored.m_score', dbt.type_string()),
        ]) }} as rfm_cell,
        rules.rfm_segment,
        playbook.segment_action

    from scored
    inner join rules
        on
            scored.r_score between rules.r_score_min and rules.r_score_max
            and scored.f_score between rules.f_score_min and rules.f_score_max
            and scored.m_score between rules.m_score_min and rules.m_score_max
    left join playbook
        on rules.rfm_segment = playbook.rfm_segment

)

select * from final
