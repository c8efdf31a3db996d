import sys

from instance_operator.cli import main

sys.exit(main())
