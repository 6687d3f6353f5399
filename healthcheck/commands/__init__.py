"""One module per ``healthcheck`` sub-command; ``healthcheck.cli`` assembles them."""
