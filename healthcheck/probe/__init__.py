"""Scripts that run inside the scanned repository's interpreter, never imported by healthcheck itself."""
