"""Media made in code for the tests and the benchmarks (not shipped): music with known beats, faces."""
