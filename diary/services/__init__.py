"""Domain operations. They flush but never commit: the caller commits once."""
