"""`python -m certbench` runs the same entry point as the console script."""

from certbench.cli import main

raise SystemExit(main())
