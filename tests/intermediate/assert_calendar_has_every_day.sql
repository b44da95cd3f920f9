-- The calendar holds every day from the first staged order line's date to the day before
-- as_of_date, once each: returns its span when an end is wrong or a day is missing (the
-- zero-filled daily marts would skip that day).

with

calendar as (

    select * from {{ ref('int_calendar') }}

),

staged as (

    select * from {{ ref('stg_online_retail__order_lines') }}

),

calendar_span as (

    select
        min(calendar_date) as first_date,
        max(calendar_date) as last_date,
        count(*) as calendar_days
    from calendar

),

expected_span as (

    select
        min(invoice_date) as first_date,
        cast({{ dbt.dateadd('day', -1, as_of_date()) }} as date) as last_date
    from staged

),

final as (

    select
        calendar_span.first_date,
        calendar_span.last_date,
        calendar_span.calendar_days,
        expected_span.first_date as expected_first_date,
        expected_span.last_date as expected_last_date
    from calendar_span
    cross join expected_span

)

select * from final
where
    first_date <> expected_first_date
    or last_date <> expected_last_date
    or calendar_days <> {{ days_between('first_date', 'last_date') }} + 1
