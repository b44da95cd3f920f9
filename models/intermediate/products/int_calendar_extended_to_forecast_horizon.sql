{#- int_calendar (every day up to as_of_date - 1) plus the forecast_horizon_days days from
    as_of_date on, with what the forecasts need to know about trading:

    * a regular trading weekday is a day of the week the shop trades on in at least half of the
      weeks (for the UCI retailer every day but Saturday, so a trading week has 6 days);
    * a past regular weekday without trading is a closure (bank holidays, the Christmas
      shutdown);
    * a forecast date is expected to trade when it is a regular trading weekday and the same
      date a year earlier was not inside a shutdown, i.e. a run of closed regular weekdays at
      least a trading week long. One-day bank holidays move from year to year and are not
      repeated. -#}

with

calendar as (

    select * from {{ ref('int_calendar') }}

),

weekday_pattern as (

    select
        iso_day_of_week,
        avg(case when is_trading_day then 1.0 else 0.0 end) >= 0.5 as is_regular_trading_weekday
    from calendar
    group by iso_day_of_week

),

trading_week as (

    select sum(case when is_regular_trading_weekday then 1 else 0 end) as regular_days_per_week
    from weekday_pattern

),

regular_days as (

    select
        calendar.calendar_date,
        calendar.is_trading_day,
        row_number() over (order by calendar.calendar_date) as regular_day_number
    from calendar
    inner join weekday_pattern
        on calendar.iso_day_of_week = weekday_pattern.iso_day_of_week
    where weekday_pattern.is_regular_trading_weekday

),

closed_days as (

    -- Consecutive closed regular days share the same gap between the two day numbers.
    select
        calendar_date,
        regular_day_number - row_number() over (order by calendar_date) as closure_run
    from regular_days
    where not is_trading_day

),

shutdowns as (

    select
        min(closed_days.calendar_date) as first_closed_date,
        max(closed_days.calendar_date) as last_closed_date
    from closed_days
    group by closed_days.closure_run
    having count(*) >= (select trading_week.regular_days_per_week from trading_week)

),

bounds as (

    select {{ as_of_date() }} as as_of_date

),

digits as (

    select ten_digits.digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as ten_digits (digit)

),

horizon_offsets as (

    select ones.digit + 10 * tens.digit + 100 * hundreds.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    where ones.digit + 10 * tens.digit + 100 * hundreds.digit < {{ var('forecast_horizon_days') }}

),

forecast_days as (

    select cast({{ dbt.dateadd('day', 'horizon_offsets.day_offset', 'bounds.as_of_date') }} as date) as calendar_date
    from horizon_offsets
    cross join bounds

),

forecast_days_flagged as (

    select
        forecast_days.calendar_date,
        {{ iso_day_of_week('forecast_days.calendar_date') }} as iso_day_of_week,
        count(shutdowns.first_closed_date) > 0 as is_in_last_years_shutdown
    from forecast_days
    left join shutdowns
        on
            cast({{ dbt.dateadd('year', -1, 'forecast_days.calendar_date') }} as date)
            between shutdowns.first_closed_date and shutdowns.last_closed_date
    group by forecast_days.calendar_date

),

history as (

    select
        calendar.calendar_date,
        calendar.iso_day_of_week,
        weekday_pattern.is_regular_trading_weekday,
        calendar.is_trading_day,
        weekday_pattern.is_regular_trading_weekday and not calendar.is_trading_day as is_closure,
        false as is_forecast_date
    from calendar
    inner join weekday_pattern
        on calendar.iso_day_of_week = weekday_pattern.iso_day_of_week

),

horizon as (

    select
        forecast_days_flagged.calendar_date,
        forecast_days_flagged.iso_day_of_week,
        weekday_pattern.is_regular_trading_weekday,
        weekday_pattern.is_regular_trading_weekday
        and not forecast_days_flagged.is_in_last_years_shutdown as is_trading_day,
        weekday_pattern.is_regular_trading_weekday
        and forecast_days_flagged.is_in_last_years_shutdown as is_closure,
        true as is_forecast_date
    from forecast_days_flagged
    inner join weekday_pattern
        on forecast_days_flagged.iso_day_of_week = weekday_pattern.iso_day_of_week

),

final as (

    select * from history
    union all
    select * from horizon

)

select * from final
