"""Benchmarks of the warehouse build and the yardsticks it is compared with (issue 7)."""
