"""Mall rules without I/O: sources and labels, completeness, rich-text sanitising, search grams."""
