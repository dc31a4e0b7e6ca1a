"""Customer portal: my organization's requests, submit, reply, confirm and rate."""
