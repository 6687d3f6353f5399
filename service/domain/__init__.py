"""The rules: which state changes are legal, whose workspace is whose, what a batch is, how to recover."""
