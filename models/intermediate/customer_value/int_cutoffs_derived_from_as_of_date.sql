{#- The three cutoffs of the customer-value backtest, holdout_days apart, ending at as_of_date.
    Features are computed from lines dated before a cutoff; targets from the holdout_days that
    follow it. training → evaluation is the backtest (fit on the training cutoff's window, score
    the evaluation cutoff's window); evaluation → production is the live model (fit on the latest
    complete window, predict the holdout_days after as_of_date). -#}

with

as_of as (

    select {{ as_of_date() }} as as_of_date

),

cutoff_offsets as (

    select
        listed.cutoff_name,
        listed.windows_before_as_of
    from (values ('training', 2), ('evaluation', 1), ('production', 0)) as listed (cutoff_name, windows_before_as_of)

),

final as (

    select
        cutoff_offsets.cutoff_name,
        cast(
            {{ dbt.dateadd(
                'day',
                '-' ~ var('holdout_days') ~ ' * cutoff_offsets.windows_before_as_of',
                'as_of.as_of_date'
            ) }} as date
        ) as cutoff_date,
        cast(
            {{ dbt.dateadd(
                'day',
                var('holdout_days') ~ ' * (1 - cutoff_offsets.windows_before_as_of)',
                'as_of.as_of_date'
            ) }} as date
        ) as window_end_date,
        cutoff_offsets.windows_before_as_of > 0 as has_targets,
        as_of.as_of_date

    from cutoff_offsets
    cross join as_of

)

select * from final
