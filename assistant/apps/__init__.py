"""The faces of the assistant: command line, web UI, JSON API. The core never imports these."""
