"""Speed benchmarks of the course's training loops (run with ``make bench``)."""
