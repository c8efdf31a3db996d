"""Pieces the development kit's stand-ins share (the simulator, the embedded Kubernetes API). Kept
out of the wheel with them."""
