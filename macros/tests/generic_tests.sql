{#- The few generic tests this project needs (dbt Hub packages cannot be downloaded here). -#}

{#- Fails for each combination of the columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Fails for each row where the expression is false (nulls pass unless the expression
    says otherwise). -#}
{% test expression_is_true(model, expression, column_name=none, where=none) %}
    select *
    from {{ model }}
    where not ({{ expression }})
    {%- if where %} and ({{ where }}){% endif %}
{% endtest %}

{#- Fails for each non-null value outside [min_value, max_value] (either bound optional). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            false
            {%- if min_value is not none %}
            or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
            {%- endif %}
        )
{% endtest %}
