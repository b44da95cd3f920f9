{% snapshot customer_segments_history %}

    {#- Every customer's RFM segment over time (type-2 history of the segment in
        marts.customer_segments, read from its rule-based source so that the nightly build,
        which fits no model, records it too): a new version only when the segment changes.
        Versions are dated by the build's as_of_date, not by the clock, so rebuilding the same
        data changes nothing and two fresh builds of the same input are identical; monetary is
        the customer's net revenue when the version began. Builds whose as_of_date is earlier
        than the latest version add nothing. -#}

    {{
        config(
            schema='marts',
            unique_key='customer_id',
            strategy='check',
            check_cols=['rfm_segment'],
            updated_at='segmented_at',
        )
    }}

    with

    rfm_segments as (

        select * from {{ ref('int_customers_segmented_by_rfm') }}

    ),

    customer_rfm as (

        select * from {{ ref('customer_rfm') }}

    ),

    final as (

        select
            customer_rfm.customer_id,
            cast(rfm_segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
            customer_rfm.monetary,
            customer_rfm.as_of_date,
            -- The version time: snapshots keep timestamps, so the date as one.
            cast(customer_rfm.as_of_date as {{ api.Column.translate_type('timestamp') }}) as segmented_at

        from customer_rfm
        inner join rfm_segments
            on customer_rfm.customer_id = rfm_segments.customer_id
        {%- if load_relation(this) is not none %}
        -- A replay of an earlier date (var as_of_date) must not rewrite history that has moved
        -- on: a build earlier than the latest version adds nothing.
        where customer_rfm.as_of_date >= (select max(history.as_of_date) from {{ this }} as history)
        {%- endif %}

    )

    select * from final

{% endsnapshot %}
