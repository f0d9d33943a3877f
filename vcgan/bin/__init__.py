"""Command-line entry points. Each subcommand lives in its own module exposing
``add_arguments(parser)`` and ``run(args) -> int``; :mod:`vcgan.bin.cli` collects them."""
