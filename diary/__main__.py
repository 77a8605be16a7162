"""Allow `python -m diary`, the same as the `diary` console script."""

from diary.cli import main

main()
