"""Daily forecasts per series from the fits stored in demand_forecast_results, run over the
series as they are now (see python_ml.forecasting.forecast_from_fits); the typed marts
product_demand_forecasts and shop_sales_forecasts read it."""

from python_ml.forecasting import forecast_demand_from_fits


def model(dbt, session):
    dbt.config(materialized="table")
    backtest_origins = dbt.config.get("backtest_origins")
    series = dbt.ref("int_demand_series_collected_to_arrays").df()
    calendar = dbt.ref("int_calendar_extended_to_forecast_horizon").filter("is_forecast_date").df()
    fits = dbt.ref("demand_forecast_results").filter("result_type = 'demand_class'").df()
    return forecast_demand_from_fits(series, calendar, fits, backtest_origin_count=int(backtest_origins), workers=2)
