"""`python -m nanguard` is the `nanguard` command."""

from nanguard.cli import main

raise SystemExit(main())
