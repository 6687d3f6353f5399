"""The hostile corpus: repositories built at run time that try to run code in healthcheck, fake a green,
hang it or exhaust the host, and the helpers that scan them.

Nothing hostile is kept on disk: each case writes the few files it needs into a
test's temporary folder (big files sparse or generated), so the repository
stays small and no other tool walking the tree trips over a FIFO or a payload.
"""
