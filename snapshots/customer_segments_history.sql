{% snapshot customer_segments_history %}

    {#- Every customer's RFM segment over time (type-2 history of marts.customer_segments): a
        new version only when the segment changes. Versions are dated by the build's as_of_date,
        not by the clock, so rebuilding the same data changes nothing and two fresh builds of the
        same input are identical; monetary is the customer's net revenue when the version began.
        Builds are expected to move forward in as_of_date. -#}

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

    customer_segments as (

        select * from {{ ref('customer_segments') }}

    ),

    customer_rfm as (

        select * from {{ ref('customer_rfm') }}

    ),

    final as (

        select
            customer_segments.customer_id,
            customer_segments.rfm_segment,
            customer_rfm.monetary,
            customer_segments.as_of_date,
            -- The version time: snapshots keep timestamps, so the date as one.
            cast(customer_segments.as_of_date as {{ api.Column.translate_type('timestamp') }}) as segmented_at

        from customer_segments
        inner join customer_rfm
            on customer_segments.customer_id = customer_rfm.customer_id

    )

    select * from final

{% endsnapshot %}
