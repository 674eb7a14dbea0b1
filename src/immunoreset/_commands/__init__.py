"""One module per CLI sub-command; each defines ``add_parser(subparsers)``.

``add_parser`` must register the sub-parser and set ``run=<callable(args) -> int>`` as its
default (``parser.set_defaults(run=run)``).
"""
