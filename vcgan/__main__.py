import sys

from vcgan.bin.cli import main

sys.exit(main())
