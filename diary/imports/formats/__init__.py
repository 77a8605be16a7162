"""One module per diary app whose export the diary reads: detect() and read()."""
