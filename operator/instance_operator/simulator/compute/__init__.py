"""Nova v2.1: servers and their state machine, flavors, keypairs, limits, instance actions."""
