-- For each evaluated model, accuracy equals the confusion matrix's diagonal over its total, and
-- the total equals the held-out customers: returns each model where they disagree.

with

metrics as (

    select * from {{ ref('segment_classifier_metrics') }}

),

confusion as (

    select
        evaluated_model,
        sum(case when actual_segment = predicted_segment then metric_value else 0 end) as correct,
        sum(metric_value) as evaluated
    from metrics
    where metric = 'confusion_count'
    group by evaluated_model

),

accuracy as (

    select
        evaluated_model,
        metric_value as accuracy
    from metrics
    where metric = 'accuracy'

),

holdout as (

    select metric_value as holdout_customers
    from metrics
    where metric = 'holdout_customers'

),

final as (

    select
        confusion.evaluated_model,
        confusion.correct,
        confusion.evaluated,
        accuracy.accuracy,
        holdout.holdout_customers
    from confusion
    inner join accuracy
        on confusion.evaluated_model = accuracy.evaluated_model
    cross join holdout
    where
        abs(confusion.correct / confusion.evaluated - accuracy.accuracy) > 1e-9
        or confusion.evaluated <> holdout.holdout_customers

)

select * from final
