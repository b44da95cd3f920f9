"""Demand classes, each series' chosen method with its weights, and backtest metrics in one
table (see python_ml.forecasting.fit_demand): one Python model so the statsmodels import and the
backtest, which picks each series' method, are paid once. The typed marts
product_demand_classes and forecast_backtest_metrics read it, and
demand_forecasts_from_stored_fits forecasts from its fits."""

from python_ml.forecasting import fit_demand_results


def model(dbt, session):
    dbt.config(materialized="table")
    backtest_origins = dbt.config.get("backtest_origins")
    series = dbt.ref("int_demand_series_collected_to_arrays").df()
    calendar = dbt.ref("int_calendar_extended_to_forecast_horizon").filter("is_forecast_date").df()
    return fit_demand_results(series, calendar, backtest_origin_count=int(backtest_origins), workers=2)
