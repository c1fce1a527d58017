"""Settings packages: ``base`` (from the environment, embedded defaults) and ``test``."""
