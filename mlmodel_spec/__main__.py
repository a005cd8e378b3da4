import sys

from mlmodel_spec.cli import main

sys.exit(main())
