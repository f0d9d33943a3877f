"""Training: the shared loop, checkpoints, and the glue from feature dumps to a task."""
