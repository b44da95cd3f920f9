{#- One row per clustering candidate (method and parameters, every k of K-means, Ward and the
    Gaussian mixture, DBSCAN with eps from its k-distance curve): where it was fitted, its
    metrics and stability, and whether the choice rule picked it and why. -#}

with

candidates as (

    select * from {{ ref('segmentation_candidates') }}

),

final as (

    select
        cast(candidate_id as {{ dbt.type_string() }}) as candidate_id,
        -- BI and the report bind to `method` (issue contract); the keyword is harmless here.
        cast(method as {{ dbt.type_string() }}) as method,
        cast(n_clusters_requested as integer) as n_clusters_requested,
        cast(eps as double) as eps,
        cast(min_samples as integer) as min_samples,
        cast(fitted_on as {{ dbt.type_string() }}) as fitted_on,
        cast(fit_rows as bigint) as fit_rows,
        cast(extended_by as {{ dbt.type_string() }}) as extended_by,
        cast(n_clusters as integer) as n_clusters,
        cast(cluster_sizes as {{ dbt.type_string() }}) as cluster_sizes,
        cast(min_cluster_share as double) as min_cluster_share,
        cast(noise_share as double) as noise_share,
        cast(silhouette as double) as silhouette,
        cast(silhouette_sample_rows as bigint) as silhouette_sample_rows,
        cast(davies_bouldin as double) as davies_bouldin,
        cast(calinski_harabasz as double) as calinski_harabasz,
        cast(inertia as double) as inertia,
        cast(stability as double) as stability,
        cast(stability_sample_rows as bigint) as stability_sample_rows,
        cast(stability_resamples as integer) as stability_resamples,
        cast(is_eligible as boolean) as is_eligible,
        cast(mean_rank as double) as mean_rank,
        cast(chosen as boolean) as chosen,
        cast(reason as {{ dbt.type_string() }}) as reason

    from candidates

)

select * from final
