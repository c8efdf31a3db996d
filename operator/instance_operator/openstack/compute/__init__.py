"""Nova resources, one module (or package) each, all taking the compute ``ServiceClient``."""
