"""What only ``cuecard demo`` (and tests) serve: demo data and the simulated agent desktop."""
