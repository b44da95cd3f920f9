{#- One row per demand series of int_demand_series_filled_to_trading_weekdays, its days
    collected into arrays in date order: the frame the forecasting's Python models read, a few
    thousand rows instead of one per series and day (at 10M order lines, 2.5M rows whose
    string keys took ~2 s to hand to pandas and split). array_agg with order by is standard
    SQL; like the Python models that read it, this model is not part of the Spark core. -#}

with

series_days as (

    select * from {{ ref('int_demand_series_filled_to_trading_weekdays') }}

),

final as (

    select
        series_type,
        series_key,
        min(sales_date) as first_sales_date,
        max(sales_date) as last_sales_date,
        count(*) as history_days,
        array_agg(demand order by sales_date) as demands,
        array_agg(is_trading_day order by sales_date) as trading_days

    from series_days
    group by series_type, series_key

)

select * from final
