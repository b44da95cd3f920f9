{#- One row per calendar day from the first order line to the day before as_of_date. Built from
    a cross join of digits rather than an engine's series function so it runs anywhere. -#}

with

order_lines as (

    select * from {{ ref('stg_online_retail__order_lines') }}

),

bounds as (

    select
        min(invoice_date) as first_date,
        {{ as_of_date() }} as as_of_date
    from order_lines

),

digits as (

    select ten_digits.digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as ten_digits (digit)

),

day_offsets as (

    -- 0 … 99,999 days: enough for any order history.
    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

days as (

    select cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'bounds.first_date') }} as date) as calendar_date
    from day_offsets
    cross join bounds
    where day_offsets.day_offset < {{ days_between('bounds.first_date', 'bounds.as_of_date') }}

),

trading_days as (

    select distinct invoice_date
    from order_lines

),

final as (

    select
        days.calendar_date,
        {{ iso_day_of_week('days.calendar_date') }} as iso_day_of_week,
        cast({{ dbt.date_trunc('week', 'days.calendar_date') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'days.calendar_date') }} as date) as month_start_date,
        trading_days.invoice_date is not null as is_trading_day

    from days
    left join trading_days
        on days.calendar_date = trading_days.invoice_date

)

select * from final
