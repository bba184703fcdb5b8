import sys

from assistant.apps.cli import main

try:
    raise SystemExit(main())
except BrokenPipeError:  # output piped into head/less that closed early
    sys.stderr.close()
    raise SystemExit(0)
