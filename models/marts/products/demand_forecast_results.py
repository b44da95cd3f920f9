"""Demand forecasts, demand classes and backtest metrics in one table (see
python_ml.forecasting): one Python model so the statsmodels import and the backtest, which
also picks each series' method, are paid once. The typed marts product_demand_forecasts,
shop_sales_forecasts, product_demand_classes and forecast_backtest_metrics read it."""

from python_ml.forecasting import forecast_demand_results


def model(dbt, session):
    dbt.config(materialized="table")
    backtest_origins = dbt.config.get("backtest_origins")
    series = dbt.ref("int_demand_series_filled_to_trading_weekdays").df()
    calendar = dbt.ref("int_calendar_extended_to_forecast_horizon").filter("is_forecast_date").df()
    return forecast_demand_results(series, calendar, backtest_origin_count=int(backtest_origins), workers=2)
