"""Background execution of lifecycle tasks: the executor (what each task does) and the worker pool."""
