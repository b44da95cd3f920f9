-- The comparison holds K-means for every k from 2 to 10 and exactly one chosen candidate:
-- returns a row describing what is wrong when it does not.

with

comparison as (

    select * from {{ ref('segmentation_model_comparison') }}

),

summary as (

    select
        count(case when chosen then 1 end) as chosen_candidates,
        count(distinct case when method = 'kmeans' then n_clusters_requested end) as kmeans_ks,
        min(case when method = 'kmeans' then n_clusters_requested end) as lowest_kmeans_k,
        max(case when method = 'kmeans' then n_clusters_requested end) as highest_kmeans_k
    from comparison

),

final as (

    select * from summary
    where
        chosen_candidates <> 1
        or kmeans_ks <> 9
        or lowest_kmeans_k <> 2
        or highest_kmeans_k <> 10

)

select * from final
