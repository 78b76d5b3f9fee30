"""One module per `dashctl` subcommand, each exposing `command`."""
