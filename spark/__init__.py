"""The same dbt models on Spark: `make spark-build` and `make spark-demo`."""
