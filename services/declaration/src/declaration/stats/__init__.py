"""Read models of the working group's dashboard and the public statistics (tables ``stats_*``), fed by
events; ``python -m declaration.stats rebuild`` recomputes them from the workflow tables."""
