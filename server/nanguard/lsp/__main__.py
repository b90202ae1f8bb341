import sys

from nanguard.lsp import main

sys.exit(main(sys.argv[1:]))
