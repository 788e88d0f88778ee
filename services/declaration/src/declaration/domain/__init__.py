"""Declaration rules without I/O: statuses and their one transition table, standard numbers,
information completeness, candidate-list rows."""
