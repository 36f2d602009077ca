print("sparsetile-bench: no benchmarks yet")
